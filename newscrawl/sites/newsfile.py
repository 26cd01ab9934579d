"""Newsfile Corp (newsfilecorp.com): Canadian and U.S. issuers' releases from its RSS feed.

Story URLs: ``/release/<id>/<slug>``; the id is the story id. A release opens
with the dateline ``Toronto, Ontario--(Newsfile Corp. - February 10, 2026) -``
and closes with "To view the source version of this press release, please
visit ...". NOT VERIFIED against the live site (no web access where this was
written): the URL form and dateline come from published releases, the feed
URL and selectors from public scrapers; replace the entry point with
``NEWSFILE_START_URLS`` or ``-a start_urls=``.
"""

from __future__ import annotations

import re

from newscrawl.extraction.layout import SiteLayout
from newscrawl.sites.wire import WireSite, wire_rules


class NewsfileV1(SiteLayout):
    """``h1.release-title`` over ``div#release-body``."""

    detect = ("div#release-body", "div.release-body")
    title = ("h1.release-title", "h1")
    published = ("meta[property='article:published_time']::attr(content)", "span.release-date")
    provider = ("div.release-company a", "meta[name='author']::attr(content)")
    body = ("div#release-body", "div.release-body")
    noise = ("div#release-body div.release-image",)


class Newsfile(WireSite):
    name = spider = "newsfile"
    hosts = ("newsfilecorp.com",)
    entry_points = ("https://feeds.newsfilecorp.com/feed/news-releases",)
    story_path = re.compile(r"^/release/(?P<id>\d{5,})(?:/|$)", re.I)
    layouts = (NewsfileV1,)
    site_names = ("Newsfile", "Newsfile Corp.")
    rules = wire_rules(
        "newsfile",
        # "Toronto, Ontario--(Newsfile Corp. - February 10, 2026) - "
        datelines=(r"re:(?-i:[A-Z])[^\n()]{0,150}?-{1,2}\s*\(\s*Newsfile\s+Corp\.?\s*[-–—]\s*"
                   r"[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s+\d{4}\s*\)\s*[-–—]\s*",),
        label_lines=(r"re:To view the source version of this press release,? please visit\s+\S+",),
    )


SITE = Newsfile()
