"""An archived page as a story record, read as the crawl reads it.

Which site reads a page: the one serving its host (``newscrawl.sites.site_for``:
MENAFN and each wire get their selectors, any other host the generic path);
an archive written by a newscrawl crawl of a mirror (a host no site serves)
names its spider in its ``warcinfo``, and that spider's site reads it. Which
pages are stories: on a known site, or in an archive newscrawl wrote, only
the URLs the site calls stories (the crawl extracts nothing else: listings,
the home page); on an unknown host in someone else's archive (Common Crawl
news), every page. A story's key (delivery, ``duplicate``) is the id its
site gives its URL, else its canonical URL: known without reading the page.
"""

from __future__ import annotations

from typing import Any, Iterable

from newscrawl.archives.reader import Page, PageRef
from newscrawl.extraction import extract_article
from newscrawl.items import EXPORT_FIELDS
from newscrawl.sites import GENERIC, Site, site_for, site_named
from newscrawl.sites.base import host_of

ARCHIVE_FIELDS = ("warc_record_id", "warc_file")


def page_site(url: str, spider: str | None) -> Site:
    site = site_for(url)
    return site_named(spider) if site is GENERIC and spider else site


def host_filter(hosts: Iterable[str] | None):
    """``wanted(url, spider)`` for ``reader.scan``: only story pages, and only these hosts (and their
    subdomains) when given."""
    allowed = tuple(h.strip().lower().rstrip(".") for h in hosts or () if h.strip())

    def wanted(url: str, spider: str | None) -> bool:
        host = host_of(url)
        if allowed and not any(host == h or host.endswith("." + h) for h in allowed):
            return False
        site = page_site(url, spider)
        return site.is_story_url(url) if (spider or site is not GENERIC) else True

    return wanted


def page_key(ref: PageRef) -> str:
    """The story's key from its URL alone: its site's id, else its canonical URL."""
    return page_site(ref.url, ref.spider).story_key(ref.url) or ref.url


def story_record(page: Page) -> dict[str, Any]:
    """The page's story with the crawl's fields (``EXPORT_FIELDS``), ``warc_record_id`` and ``warc_file``;
    its body as extracted (not yet cleaned)."""
    ref = page.ref
    site = page_site(ref.url, ref.spider)
    article = extract_article(ref.url, page.html, http_status=page.status, site=site)
    article.url = site.canonical_url(article.url)
    article.source = ref.spider or site.name
    article.crawled_at = ref.date
    article.story_id = article.story_id or site.story_key(ref.url) or article.url
    record = {name: getattr(article, name) for name in EXPORT_FIELDS}
    record["warc_record_id"] = ref.record_id
    record["warc_file"] = ref.file
    record["html"] = article.html  # for the shell step; never written out
    return record
