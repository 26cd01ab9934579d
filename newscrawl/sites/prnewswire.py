"""PR Newswire (Cision): releases from its RSS feed and news-release listings.

Story URLs: ``/news-releases/<slug>-<9-digit id>.html`` (also under a language
prefix such as ``/ca/``); the id is the story id. NOT VERIFIED against the live
site: the entry points come from public scrapers and feed lists (replace them
with ``PRNEWSWIRE_START_URLS`` or ``-a start_urls=``), the selectors from
public scrapers of the release page.
"""

from __future__ import annotations

import re

from newscrawl.extraction.layout import SiteLayout
from newscrawl.sites.wire import WireSite, wire_rules


class PRNewswireV1(SiteLayout):
    """``header.release-header`` + ``section.release-body``."""

    detect = ("section.release-body", "div.release-body", "header.release-header")
    title = ("header.release-header h1", "div.detail-headline h1", "h1")
    published = ("header.release-header p.mb-no", "meta[name='date']::attr(content)",
                 "meta[property='article:published_time']::attr(content)")
    provider = ("//span[normalize-space()='News provided by']/following::a[1]", "meta[name='author']::attr(content)")
    body = ("section.release-body", "div.release-body")
    noise = ("section.release-body div.image", "section.release-body div.divOverflow + p.prntac")


class PRNewswire(WireSite):
    name = spider = "prnewswire"
    hosts = ("prnewswire.com", "prnewswire.co.uk")
    entry_points = (
        "https://www.prnewswire.com/rss/news-releases-list.rss",
        "https://www.prnewswire.com/news-releases/news-releases-list/",
    )
    story_path = re.compile(r"^/(?:[a-z]{2,5}/)?news-releases/(?:[\w-]+/)*[\w%.-]*?(?P<id>\d{6,})\.html?$", re.I)
    layouts = (PRNewswireV1,)
    site_names = ("PR Newswire", "PRNewswire")
    rules = wire_rules(
        "prnewswire",
        # "NEW YORK, Dec. 12, 2024 /PRNewswire/ --", "/PRNewswire-HISPANIC PR WIRE/ --"
        datelines=(r"re:(?-i:[A-Z])[^\n/]{0,150}?/\s*PRNewswire(?:-[\w .]+)?\s*/\s*(?:--|[–—-])\s*",),
        label_lines=(r"re:To view the original version on PR Newswire,? visit\s*:?\s*\S+",),
    )


SITE = PRNewswire()
