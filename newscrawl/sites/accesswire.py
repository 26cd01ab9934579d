"""ACCESSWIRE / ACCESS Newswire (Issuer Direct): releases from its RSS feed and newsroom.

Story URLs: ``/<id>/<slug>`` and ``/newsroom/<lang>/<topic>/<slug>-<id>``; the id
is the story id. NOT VERIFIED against the live site: the entry points come from
public feed lists (replace them with ``ACCESSWIRE_START_URLS`` or
``-a start_urls=``).
"""

from __future__ import annotations

import re

from newscrawl.extraction.layout import SiteLayout
from newscrawl.sites.wire import WireSite, wire_rules


class AccesswireV1(SiteLayout):
    """``#articleBody`` under ``div.article-header``."""

    detect = ("#articleBody", "div.article-body")
    title = ("div.article-header h1", "h1.article-title", "h1")
    published = ("div.article-header time::attr(datetime)", "div.article-header span.article-date",
                 "meta[property='article:published_time']::attr(content)")
    provider = ("div.article-header a.article-company", "meta[name='author']::attr(content)")
    body = ("#articleBody", "div.article-body")
    noise = ("#articleBody div.article-image",)


class Accesswire(WireSite):
    name = spider = "accesswire"
    hosts = ("accesswire.com", "accessnewswire.com")
    entry_points = ("https://www.accesswire.com/rss/news", "https://www.accessnewswire.com/newsroom")
    story_path = re.compile(r"^/(?:newsroom/[a-z]{2}/[\w-]+/[\w-]*?-)?(?P<id>\d{5,})(?:/[\w%.-]*)?/?$", re.I)
    layouts = (AccesswireV1,)
    site_names = ("ACCESSWIRE", "ACCESS Newswire", "Accesswire")
    rules = wire_rules(
        "accesswire",
        # "NEW YORK, NY / ACCESSWIRE / December 12, 2024 /" (the issuer's name follows and stays)
        datelines=(r"re:(?-i:[A-Z])[^\n/]{0,120}?/\s*ACCESS\s*(?:WIRE|Newswire)\s*/\s*"
                   r"(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s+\d{4}\s*/\s*)?",),
        label_lines=(r"re:(?-i:SOURCE):\s*[A-Z][^\n]{0,80}",
                     r"re:View (?:the )?(?:original|source) (?:press release|version|content)[^\n]{0,40}? on "
                     r"(?:ACCESS ?Newswire|accesswire\.com|newswire\.com)(?:\s*:\s*\S+)?\.?"),
    )


SITE = Accesswire()
