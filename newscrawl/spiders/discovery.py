"""Where a listing or feed points: story links, feed entries, sitemap entries and the next page.

Kept apart from the spider so the rules can be read (and tested) on their own,
and the same for every site: a feed is recognised by its content type or by its
root element (servers often label RSS ``text/html``), RSS 0.9x/1.0/2.0 and Atom
are read the same way, a sitemap (``urlset`` / ``sitemapindex``, gzipped or
not) by its root element, "next page" is ``rel=next`` first, then a link whose
text says "Next", and a listing's story links are the site's (its link
patterns, then its ``is_story_url``).

Each function reads at most ``limit`` links of one document when given one
(``NEWSCRAWL_LISTING_MAX_LINKS``: a 14 MB listing of 300,000 story links took
85 s of the crawl's reactor to parse and schedule, issue 16); the ``Links`` it
returns say whether the document held more (``capped``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from parsel import Selector
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.gz import gunzip

from newscrawl.cleaning.text import normalize_space
from newscrawl.sites import Site

_FEED_ROOT_RE = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*|<\?[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*)*"
    rb"<(?:[\w.-]+:)?(rss|feed|RDF)\b",
    re.DOTALL | re.IGNORECASE,
)
_SITEMAP_ROOT_RE = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*|<\?[^>]*\?>\s*)*<(?:[\w.-]+:)?(urlset|sitemapindex)\b",
    re.DOTALL | re.IGNORECASE,
)
_GZIP_MAGIC = b"\x1f\x8b"
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit, uncompressed
_NEXT_TEXT_RE = re.compile(r"^(?:next(?:\s+page)?|older(?:\s+(?:posts|stories|news))?)?\s*[»›>\u2192]*$", re.I)

class Links(list):
    """Links in document order; ``capped``: the document held more than the ``limit`` read."""

    capped: bool = False

    @classmethod
    def of(cls, urls, limit: int | None, more: bool = False) -> "Links":
        links = cls(urls)
        if limit is not None and (more or len(links) > limit):
            links.capped = True
            del links[limit:]
        return links


def _first(query: str, limit: int | None) -> str:
    """``query`` limited to its first ``limit + 1`` nodes in document order (one past the cap says there were more)."""
    return query if limit is None else f"({query})[position() <= {limit + 1}]"


def is_feed(response: Response) -> bool:
    """RSS, RDF or Atom, by content type or by the document's root element."""
    ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    if "rss" in ctype or "atom" in ctype:
        return True
    return bool(_FEED_ROOT_RE.match(response.body[:8192]))


def feed_links(response: TextResponse, limit: int | None = None) -> Links:
    """Absolute item links of an RSS/RDF/Atom feed, in feed order, without repeats."""
    sel = Selector(text=response.text, type="xml")
    sel.remove_namespaces()
    raw = sel.xpath(_first(
        "//item/link/text() | //item/guid[not(@isPermaLink='false')]/text()"
        " | //entry/link[not(@rel) or @rel='alternate']/@href | //entry/id/text()", limit)).getall()
    out: list[str] = []
    seen: set[str] = set()
    for value in raw:
        value = value.strip()
        if not value or value.startswith("urn:") or value.startswith("tag:"):
            continue
        url = response.urljoin(value)
        if url not in seen:
            seen.add(url)
            out.append(url)
    return Links.of(out, limit, more=limit is not None and len(raw) > limit)


def sitemap_xml(response: Response) -> bytes | None:
    """The sitemap document of a response (gunzipped when it is a ``.xml.gz``), or None when it is no sitemap."""
    body = response.body
    if body[:2] == _GZIP_MAGIC:
        try:
            body = gunzip(body, max_size=SITEMAP_MAX_BYTES)
        except (OSError, EOFError, ValueError):  # damaged or oversized archive: not a sitemap we can read
            return None
    return body if _SITEMAP_ROOT_RE.match(body[:8192]) else None


def sitemap_links(response: Response, xml: bytes, limit: int | None = None) -> tuple[Links, Links]:
    """(page URLs, child sitemap URLs) of a sitemap or sitemap index, in document order, without repeats."""
    sel = Selector(body=xml, type="xml")
    sel.remove_namespaces()
    found = []
    for query in ("//url/loc/text()", "//sitemap/loc/text()"):
        raw = sel.xpath(_first(query, limit)).getall()
        urls = dict.fromkeys(response.urljoin(u.strip()) for u in raw if u.strip())
        found.append(Links.of(urls, limit, more=limit is not None and len(raw) > limit))
    return found[0], found[1]


_ANCHORS = "//a[@href] | //area[@href]"


@lru_cache(maxsize=64)
def _link_extractor(allow: tuple[str, ...], deny: tuple[str, ...], limit: int | None) -> LinkExtractor:
    only = {"restrict_xpaths": f"({_ANCHORS})[position() <= {limit}]"} if limit is not None else {}
    return LinkExtractor(allow=allow, deny=deny, tags=("a", "area"), attrs=("href",), canonicalize=False, unique=True,
                         **only)


def story_links(response: TextResponse, site: Site, limit: int | None = None) -> Links:
    """Absolute story URLs of ``site`` linked from an HTML page, in page order, without repeats; with
    ``limit``, read from its first ``limit`` links only."""
    extracted = _link_extractor(site.link_allow, site.link_deny, limit).extract_links(response)
    links = Links(link.url for link in extracted if site.is_story_url(link.url))
    if limit is not None:
        links.capped = float(response.xpath(f"count({_ANCHORS})").get()) > limit
    return links


def next_page(response: TextResponse) -> str | None:
    """The listing's next page: ``rel=next`` (``<a>`` or ``<link>``), a ``next`` class, else a link reading "Next"."""
    href = response.css('a[rel~="next"]::attr(href), link[rel~="next"]::attr(href)').get()
    if not href:
        href = response.css('li[class~="next"] > a::attr(href), a[class~="next"]::attr(href)').get()
    if not href:
        for anchor in response.css("a[href]"):
            text = normalize_space(" ".join(anchor.css("::text").getall()))
            label = normalize_space(anchor.attrib.get("aria-label", ""))
            if (text and _NEXT_TEXT_RE.match(text) and text.strip("»›>\u2192 ")) or label.lower() in {"next", "next page"}:
                href = anchor.attrib["href"]
                break
    if not href or href.strip().startswith(("#", "javascript:")):
        return None
    url = response.urljoin(href.strip())
    return None if url == response.url else url
