"""Where a listing or feed points: story links, feed entries and the next page.

Kept apart from the spider so the rules can be read (and tested) on their own:
a feed is recognised by its content type or by its root element (servers often
label RSS ``text/html``), RSS 0.9x/1.0/2.0 and Atom are read the same way, a
sitemap (``urlset`` / ``sitemapindex``, gzipped or not) by its root element, and
"next page" is ``rel=next`` first, then a link whose text says "Next".
"""

from __future__ import annotations

import re

from parsel import Selector
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.gz import gunzip

from newscrawl.cleaning.text import normalize_space
from newscrawl.extract.urls import is_story_url

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

# Story links in listings: the new ``/<10-digit id>/<slug>`` form, the legacy
# aspx form and the GUID form. ``is_story_url`` has the last word.
STORY_LINKS = LinkExtractor(
    allow=(r"/\d{10}(?:[/?#]|$)", r"qn_news_story_s\.aspx", r"/menafn/[0-9a-fA-F-]{36}"),
    deny=(r"/nl_sub\.aspx",),
    tags=("a", "area"),
    attrs=("href",),
    canonicalize=False,
    unique=True,
)


def is_feed(response: Response) -> bool:
    """RSS, RDF or Atom, by content type or by the document's root element."""
    ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    if "rss" in ctype or "atom" in ctype:
        return True
    return bool(_FEED_ROOT_RE.match(response.body[:8192]))


def feed_links(response: TextResponse) -> list[str]:
    """Absolute item links of an RSS/RDF/Atom feed, in feed order, without repeats."""
    sel = Selector(text=response.text, type="xml")
    sel.remove_namespaces()
    raw = sel.xpath(
        "//item/link/text() | //item/guid[not(@isPermaLink='false')]/text()"
        " | //entry/link[not(@rel) or @rel='alternate']/@href | //entry/id/text()"
    ).getall()
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
    return out


def sitemap_xml(response: Response) -> bytes | None:
    """The sitemap document of a response (gunzipped when it is a ``.xml.gz``), or None when it is no sitemap."""
    body = response.body
    if body[:2] == _GZIP_MAGIC:
        try:
            body = gunzip(body, max_size=SITEMAP_MAX_BYTES)
        except (OSError, EOFError, ValueError):  # damaged or oversized archive: not a sitemap we can read
            return None
    return body if _SITEMAP_ROOT_RE.match(body[:8192]) else None


def sitemap_links(response: Response, xml: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) of a sitemap or sitemap index, in document order, without repeats."""
    sel = Selector(body=xml, type="xml")
    sel.remove_namespaces()
    pages = [response.urljoin(u.strip()) for u in sel.xpath("//url/loc/text()").getall() if u.strip()]
    children = [response.urljoin(u.strip()) for u in sel.xpath("//sitemap/loc/text()").getall() if u.strip()]
    return list(dict.fromkeys(pages)), list(dict.fromkeys(children))


def story_links(response: TextResponse) -> list[str]:
    """Absolute story URLs linked from an HTML page, in page order."""
    return [link.url for link in STORY_LINKS.extract_links(response) if is_story_url(link.url)]


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
