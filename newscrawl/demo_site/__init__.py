"""The bundled sample site for ``newscrawl demo``: a few MENAFN-like stories, served on loopback.

``stories.json`` holds the stories (one in each interesting state: ordinary,
repeated paragraphs, a syndicated copy, a legacy redirect, a changed layout, a
503 that recovers, a soft 404, a bot challenge, a 404); ``templates`` renders
them into listing pages with pagination, an RSS feed and story pages.
"""

from __future__ import annotations

import json
from importlib import resources

from newscrawl.demo_site.server import LoopbackSite, Page
from newscrawl.demo_site.templates import LISTING_PATH, RSS_PATH, Story, render_site, shell_html

ENTRY_PATHS = (LISTING_PATH, RSS_PATH)


def demo_stories() -> list[Story]:
    raw = json.loads(resources.files(__name__).joinpath("stories.json").read_text(encoding="utf-8"))
    return [Story(**record) for record in raw]


def demo_site() -> LoopbackSite:
    """An unstarted server for the sample site (three stories a listing page, one story only in the feed)."""
    pages: dict[str, Page] = render_site(demo_stories(), per_page=3, rss_items=4, rss_only=1)
    return LoopbackSite(pages, not_found=Page(shell_html(), status=404))
