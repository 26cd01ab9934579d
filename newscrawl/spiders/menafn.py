"""The ``menafn`` spider: RSS feeds and section listings in, one ``Article`` per story out.

Entry points are ``MENAFN_START_URLS`` or ``-a start_urls=URL[,URL...]``; on a
mirror, absolute links to ``MENAFN_ORIGIN_HOSTS`` are read as links to the
mirror. From feeds and listings it follows story links (new, legacy aspx and
GUID forms), ``rel=next`` / "Next" pagination (at most
``MENAFN_MAX_LISTING_PAGES`` pages per entry point) and,
``MENAFN_RELATED_DEPTH`` hops deep, story links on story pages. Each story id
is requested once per run and not at all when an earlier run already handled
it; every skip is counted in the stats.

The crawl logic (entry points, failure reporting, claim-once stories, the
404/410/403 accounting and the stats run health reads) is the shared
``newscrawl.spiders.wirebase.NewsSpider``; this file says what a MENAFN story
URL is.
"""

from __future__ import annotations

from newscrawl.extract.urls import canonical_story_url, is_story_url, story_id_from_url
from newscrawl.spiders.links import story_links
from newscrawl.spiders.wirebase import (  # noqa: F401 - re-exported, older imports use this module
    NewsSpider,
    allowed_domains_for,
    failure_reason,
    parse_start_urls,
    utc_now_iso,
)

DEFAULT_START_URLS = (
    "https://menafn.com/rss/rss.aspx",
    "https://menafn.com/rss/menafn_sa.xml",
    "https://menafn.com/rss/menafn_energy.xml",
    "https://menafn.com/Rss/RssFeeds.aspx?section=UAE",
    "https://menafn.com/",
)


class MenafnSpider(NewsSpider):
    name = "menafn"
    site = "menafn"
    default_start_urls = DEFAULT_START_URLS
    default_origin_hosts = ("menafn.com",)
    default_max_listing_pages = 50
    default_related_depth = 1

    def is_story_url(self, url: str) -> bool:
        return is_story_url(url)

    def story_id(self, url: str) -> str | None:
        return story_id_from_url(url)

    def canonical_url(self, url: str) -> str:
        return canonical_story_url(url)

    def listing_story_links(self, response) -> list[str]:
        return story_links(response)
