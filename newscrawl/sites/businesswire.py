"""Business Wire (Berkshire Hathaway): releases from its RSS feed and newsroom listing.

Story URLs: ``/news/home/<14-digit id>/<lang>/<slug>``; the id is the story id.
The feed lives on ``feed.businesswire.com`` and points at
``www.businesswire.com``: both are hosts of the site. NOT VERIFIED against the
live site: the feed URL comes from public scrapers (replace it with
``BUSINESSWIRE_START_URLS`` or ``-a start_urls=``).
"""

from __future__ import annotations

import re

from newscrawl.extraction.layout import SiteLayout
from newscrawl.sites.wire import WireSite, wire_rules


class BusinessWireV1(SiteLayout):
    """``div.bw-release-main`` + ``div.bw-release-story``."""

    detect = ("div.bw-release-story", "div.bw-release-main")
    title = ("div.bw-release-main h1", "h1.epi-fontLg", "h1")
    published = ("div.bw-release-timestamps time::attr(datetime)", "div.bw-release-timestamps time")
    provider = ("div.bw-release-main h3.bw-release-companyname", "meta[name='author']::attr(content)")
    body = ("div.bw-release-story",)
    noise = ("div.bw-release-story div.bw-release-media", "div.bw-release-contact")


class BusinessWire(WireSite):
    name = spider = "businesswire"
    hosts = ("businesswire.com",)
    entry_points = (
        "https://feed.businesswire.com/rss/home/?rss=G1QFDERJXkJeEFpRWg==",
        "https://www.businesswire.com/newsroom",
    )
    story_path = re.compile(r"^/news/[\w-]+/(?P<id>\d{14})(?:/|$)", re.I)
    layouts = (BusinessWireV1,)
    site_names = ("Business Wire", "BusinessWire")
    rules = wire_rules(
        "businesswire",
        # "BOSTON--(BUSINESS WIRE)--"
        datelines=(r"re:(?-i:[A-Z])[^\n()]{0,120}?-{1,2}\s*\(\s*BUSINESS\s*WIRE\s*\)\s*-{1,2}\s*",),
    )


SITE = BusinessWire()
