"""``wire``: any news site, from a sitemap, a feed or a listing page: ``scrapy crawl wire -a start_urls=...``.

Every start URL is read as an entry point (sitemap or sitemap index, RSS /
Atom feed, or HTML listing with pagination), never as a story. Every entry of
a feed or sitemap is a story; on a listing, a link is a story when its path
looks like an article's (a slug of several words, a date path or a long
numeric id, and not a tag / category / author / asset page). Stories go
through the same extraction as everywhere (a known site's selectors by host,
else page metadata, else generic text) and the same cleaning chain.

Story key: the known site's id when the host is one (PR Newswire, MENAFN...),
else the canonical URL (w3lib-canonicalised, fragment and tracking parameters
dropped). Settings: ``WIRE_START_URLS``, ``WIRE_MAX_LISTING_PAGES`` (20),
``WIRE_RELATED_DEPTH`` (0).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from newscrawl.extract import site_for
from newscrawl.spiders.wirebase import NewsSpider

_TRACKING_PARAMS = re.compile(r"^(?:utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|ocid|cmpid|src|ref|tc|sr_share)$", re.I)
_NOT_ARTICLE = re.compile(
    r"/(?:tags?|categor(?:y|ies)|topics?|authors?|page|search|login|signin|register|subscribe|newsletters?|"
    r"about(?:-us)?|contact(?:-us)?|privacy(?:-policy)?|terms|cookies?|feeds?|rss|sitemap|account|video-gallery)(?:/|$)",
    re.I,
)
_ASSET = re.compile(r"\.(?:jpe?g|png|gif|svg|webp|ico|pdf|zip|mp[34]|mov|css|js|json|xml|rss|txt)$", re.I)
_DATE_PATH = re.compile(r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])(?:/|$)")
_LONG_ID = re.compile(r"(?:^|[/_-])\d{5,}(?:[/_.-]|$)")
_WORD = re.compile(r"[A-Za-z]{2,}")
MIN_SLUG_WORDS = 4


def looks_like_article(url: str) -> bool:
    """A listing link worth fetching as a story: an article-like path on the web, not an index or asset."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    path = parts.path or "/"
    if parts.scheme not in ("http", "https") or _ASSET.search(path) or _NOT_ARTICLE.search(path):
        return False
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    slug = re.sub(r"\.[a-z]{2,5}$", "", segments[-1], flags=re.I)
    words = [w for w in re.split(r"[-_+]+", slug) if _WORD.search(w)]
    return len(words) >= MIN_SLUG_WORDS or bool(_DATE_PATH.search(path) and slug) or bool(
        len(segments) >= 2 and _LONG_ID.search(path))


def canonical_article_url(url: str) -> str:
    """One spelling per story: canonicalised, fragment and tracking parameters dropped."""
    url = (url or "").strip()
    try:
        parts = urlsplit(canonicalize_url(url, keep_fragments=False))
    except (ValueError, UnicodeError):
        return url
    if not parts.scheme or not parts.netloc:
        return url
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)])
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", query, ""))


class GenericWireSpider(NewsSpider):
    name = "wire"
    site = None  # the extractor is chosen by each page's host
    default_start_urls = ()
    default_max_listing_pages = 20
    default_related_depth = 0
    start_urls_are_listings = True

    def is_story_url(self, url: str) -> bool:
        return looks_like_article(url)

    def is_feed_story(self, url: str) -> bool:
        return urlsplit(url).scheme in ("http", "https")

    def story_id(self, url: str) -> str | None:
        return site_for(url).story_id(url, (), ())

    def canonical_url(self, url: str) -> str:
        known = site_for(url)
        return known.canonical_url(url) if known.name else canonical_article_url(url)
