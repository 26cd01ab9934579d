"""GlobeNewswire (Notified): releases from its RSS feeds.

Story URLs: ``/news-release/<Y>/<M>/<D>/<id>/<org>/<lang>/<slug>.html``; the
numeric id is the story id. NOT VERIFIED against the live site: the feed URLs
come from public feed lists (replace them with ``GLOBENEWSWIRE_START_URLS`` or
``-a start_urls=``), the selectors from public scrapers.
"""

from __future__ import annotations

import re

from newscrawl.extraction.layout import SiteLayout
from newscrawl.sites.wire import WireSite, wire_rules


class GlobeNewswireV1(SiteLayout):
    """``#main-body-container`` with ``span.article-published``."""

    detect = ("#main-body-container", "div.main-body-container", "span.article-published")
    title = ("h1.article-headline", "div.main-header-container h1", "h1")
    published = ("span.article-published time::attr(datetime)", "span.article-published time",
                 "meta[name='DC.date.issued']::attr(content)")
    provider = ("span.article-source a", "meta[name='author']::attr(content)")
    body = ("#main-body-container", "div.main-body-container")
    noise = ("#main-body-container div.main-logo", "#main-body-container div.attachment-section")


class GlobeNewswire(WireSite):
    name = spider = "globenewswire"
    hosts = ("globenewswire.com",)
    entry_points = (
        "https://www.globenewswire.com/RssFeed/subjectcode/72-Press%20Releases/feedTitle/GlobeNewswire%20-%20Press%20Releases",
        "https://www.globenewswire.com/RssFeed/orgclass/1/feedTitle/GlobeNewswire%20-%20News%20about%20Public%20Companies",
    )
    story_path = re.compile(r"^/(?:[a-z]{2}/)?news-release/\d{4}/\d{2}/\d{2}/(?P<id>\d{5,})(?:/|$)", re.I)
    layouts = (GlobeNewswireV1,)
    site_names = ("GlobeNewswire", "GLOBE NEWSWIRE")
    rules = wire_rules(
        "globenewswire",
        # "SAN DIEGO, Dec. 12, 2024 (GLOBE NEWSWIRE) --"
        datelines=(r"re:(?-i:[A-Z])[^\n()]{0,150}?\(\s*GLOBE\s*NEWSWIRE\s*\)\s*(?:--|[–—-])\s*",),
    )


SITE = GlobeNewswire()
