"""EIN Presswire (Newsmatics): releases from its RSS feeds.

Story URLs: ``/article/<id>/<slug>`` (also on einnews.com); the id is the story
id. NOT VERIFIED against the live site: the entry points come from public feed
lists (replace them with ``EINPRESSWIRE_START_URLS`` or ``-a start_urls=``).
"""

from __future__ import annotations

import re

from newscrawl.extraction.layout import SiteLayout
from newscrawl.sites.wire import WireSite, wire_rules


class EINPresswireV1(SiteLayout):
    """``h1.title``, ``div.article_column`` with ``div.article-content``."""

    detect = ("div.article_column", "div.article-content")
    title = ("div.article_column h1", "h1.title", "h1")
    published = ("div.article_column time::attr(datetime)", "div.article_column span.date",
                 "meta[property='article:published_time']::attr(content)")
    provider = ("div.article_column div.contact-block .company", "meta[name='author']::attr(content)")
    body = ("div.article_column div.article-content", "div.article-content")
    noise = ("div.article-content div.contact-block", "div.article-content div.social-links")


class EINPresswire(WireSite):
    name = spider = "einpresswire"
    hosts = ("einpresswire.com", "einnews.com")
    entry_points = ("https://www.einpresswire.com/rss/all", "https://www.einpresswire.com/rss/business-economy")
    story_path = re.compile(r"^/(?:[a-z]{2}/)?article/(?P<id>\d{5,})(?:/|$)", re.I)
    layouts = (EINPresswireV1,)
    site_names = ("EIN Presswire", "EINPresswire")
    rules = wire_rules(
        "einpresswire",
        # "TALLINN, HARJU, ESTONIA, November 26, 2025 /EINPresswire.com/ --"
        datelines=(r"re:(?-i:[A-Z])[^\n/]{0,160}?/\s*EIN\s*Presswire(?:\.com)?\s*/\s*(?:--|[–—-])\s*",),
        label_lines=("email us here", "Visit us on social media:",
                     r"re:(?:Facebook|X|Twitter|LinkedIn|Instagram|YouTube|TikTok|Pinterest|Other)"),
        # The author block: name, company, phone just above "email us here".
        disclaimers=(r"re[email us here]:(?:(?m:^)[^\n]{1,60}\n){0,4}email us here[^\n]{0,40}",),
    )


SITE = EINPresswire()
