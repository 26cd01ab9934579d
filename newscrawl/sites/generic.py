"""Any news site: the site of every host no module here knows, and of the ``wire`` spider.

A listing link is a story when its path looks like an article's (a slug of
several words, a date path or a long numeric id, and not a tag / category /
author / asset page); every entry of a feed or sitemap is one. A story is
known by its canonical URL (w3lib-canonicalised, fragment and tracking
parameters dropped). Pages are read from their metadata and generic main text;
the cleaning rules are every site's (an unknown source gets them all).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from newscrawl.sites.base import Site

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


class Generic(Site):
    name = "generic"
    spider = "wire"
    max_listing_pages = 20
    related_depth = 0
    start_urls_are_listings = True

    def is_story_url(self, url: str) -> bool:
        return looks_like_article(url)

    def is_feed_story(self, url: str) -> bool:
        """Feeds and sitemaps list stories: every web entry is one."""
        try:
            return urlsplit(url).scheme in ("http", "https")
        except ValueError:
            return False

    def canonical_url(self, url: str) -> str:
        return canonical_article_url(url)


SITE = Generic()
