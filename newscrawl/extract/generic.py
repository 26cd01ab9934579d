"""Main text of a page whose layout nobody wrote selectors for.

Built on trafilatura (given the HTML string only: it never fetches), then
corrected where its output is known to go wrong on news pages:

- a near-empty precision result (a teaser, a paywall line) is retried with
  trafilatura's default balance, which keeps more;
- blocks that are mostly link text (related-story lists, "Read more: <link>")
  are navigation, not story, so they go, judged on trafilatura's own XML;
- the headline that opens the text is already the article's title.

Repeated paragraphs are kept: interviews and recipes repeat lines for real,
and the cleaning chain judges repeats with the site's own rules.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import trafilatura
from lxml import etree
from parsel import Selector
from trafilatura.xml import xmltotxt

from newscrawl.cleaning.document import split_paragraphs
from newscrawl.cleaning.text import match_key, normalize_space, word_tokens
from newscrawl.extract.blocks import element_text
from newscrawl.extract.metadata import PageMetadata, page_metadata, strip_title_suffix

logger = logging.getLogger(__name__)
# "discarding data" for every page without an article is expected here, not a warning.
logging.getLogger("trafilatura.core").setLevel(logging.ERROR)

MIN_WORDS = 50  # a precision result shorter than this is retried with trafilatura's defaults
LINK_SHARE = 0.7  # a block whose visible text is mostly (this share) link text is navigation...
LINK_MAX_WORDS = 30  # ...when it is headline-sized; a long linked paragraph is a story card's text
_BLOCKS = ("p", "head", "item", "quote", "cell")


def _extract(html: str, url: str | None, precise: bool) -> etree._Element | None:
    try:
        doc = trafilatura.bare_extraction(
            html, url=url or None, favor_precision=precise, include_comments=False, include_tables=True,
            include_links=True, with_metadata=False, deduplicate=False,
        )
    except Exception as exc:  # trafilatura on hostile markup: report, never crash the crawl
        logger.warning("generic extraction failed for %s: %r", url, exc)
        return None
    return getattr(doc, "body", None) if doc is not None else None


def _words(el: etree._Element | None) -> int:
    return 0 if el is None else len(word_tokens(" ".join(el.itertext())))


def _text_len(el: etree._Element) -> int:
    return len("".join(el.itertext()).replace(" ", ""))


def link_share(el: etree._Element) -> float:
    """Share of an element's visible characters that sit inside links."""
    total = _text_len(el)
    if not total:
        return 0.0
    linked = sum(_text_len(ref) for ref in el.iter("ref") if not any(a.tag == "ref" for a in ref.iterancestors()))
    return linked / total


def drop_link_blocks(body: etree._Element) -> None:
    """Remove paragraphs, headings and list items that are mostly link text; then empty lists."""
    for el in list(body.iter(*_BLOCKS)):
        if el.getparent() is not None and link_share(el) >= LINK_SHARE and _words(el) <= LINK_MAX_WORDS:
            el.getparent().remove(el)
    for lst in list(body.iter("list")):
        if lst.getparent() is not None and not _text_len(lst):
            lst.getparent().remove(lst)


def _paragraphs(body: etree._Element) -> list[str]:
    etree.strip_tags(body, "ref")
    text = xmltotxt(body, include_formatting=False) or ""
    return [p for p in (normalize_space(line) for line in split_paragraphs(text)) if p]


def page_headlines(sel: Selector, meta: PageMetadata | None = None) -> list[str]:
    """What the page calls its headline: the first ``<h1>``s, og/twitter titles, ``<title>`` with and without suffix."""
    meta = meta or page_metadata(sel)
    h1s = [element_text(n.root) for n in sel.xpath("//h1")[:3]]
    return [t for t in (*h1s, meta.title, meta.page_title, strip_title_suffix(meta.page_title, (meta.site_name,))) if t]


def drop_leading_title(paragraphs: list[str], titles: Sequence[str | None]) -> list[str]:
    """Drop opening paragraphs that are one of the page's headlines."""
    keys = {match_key(t) for t in titles if t and match_key(t)}
    while paragraphs and match_key(paragraphs[0]) in keys:
        paragraphs = paragraphs[1:]
    return paragraphs


def generic_paragraphs(html: str, url: str | None = None, titles: Sequence[str | None] = ()) -> list[str]:
    """The page's main-text paragraphs, in order; [] when nothing article-like is found.

    ``titles`` are the page's headline candidates (see ``page_headlines``);
    a leading paragraph equal to one of them is dropped.
    """
    if not html or not html.strip():
        return []
    body = _extract(html, url, precise=True)
    if _words(body) < MIN_WORDS:
        fuller = _extract(html, url, precise=False)
        if _words(fuller) >= MIN_WORDS:  # an article after all, not a menu dumped by the last resort
            body = fuller
    if body is None:
        return []
    drop_link_blocks(body)
    return drop_leading_title(_paragraphs(body), titles)
