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
import re
from collections.abc import Sequence

import trafilatura
from lxml import etree
from parsel import Selector
from trafilatura.xml import xmltotxt

from newscrawl.cleaning.document import split_paragraphs
from newscrawl.cleaning.text import match_key, normalize_space, word_tokens
from newscrawl.extraction.blocks import element_text
from newscrawl.extraction.dates import parse_date
from newscrawl.extraction.links import LINK_SHARE, NAVIGATION_LABEL_RE, link_share, story_link_line
from newscrawl.extraction.restore import restore_blocks
from newscrawl.extraction.metadata import PageMetadata, page_metadata, strip_title_suffix

logger = logging.getLogger(__name__)
# "discarding data" for every page without an article is expected here, not a warning.
logging.getLogger("trafilatura.core").setLevel(logging.ERROR)

MIN_WORDS = 50  # a precision result shorter than this is retried with trafilatura's defaults
LINK_MAX_WORDS = 30  # ...(LINK_SHARE) when it is headline-sized; a long linked paragraph is a story card's text
MENU_ITEM_WORDS = 4  # a label line: "Home", "Contact us", "Privacy policy"...
MENU_RUN = 3  # ...and this many of them in a row before the story are a menu
KICKER_LINES = 2  # short labels ("Verkehr", "Opinion") above a headline that opens the text
LABEL_WORDS = 12  # a byline or date line is no longer than this...
DATE_LABEL_WORDS = 8  # ...and a date label than this
_BYLINE_START_RE = re.compile(r"(?:by|von|por|par)\s+\S", re.IGNORECASE)
TEASER_WORDS = 25  # lines after a "More stories" label no longer than this are teaser headlines
_BLOCKS = ("p", "head", "item", "quote", "cell")
_SENTENCE_END_RE = re.compile(r"[.!?]['\"\u201d\u2019)]*\s*$")


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


def drop_link_blocks(body: etree._Element) -> None:
    """Remove paragraphs, headings and list items that are mostly link text (not the story's own links); then empty lists."""
    doomed = [el for el in body.iter(*_BLOCKS)
              if link_share(el) >= LINK_SHARE and _words(el) <= LINK_MAX_WORDS and not story_link_line(el)]
    for el in doomed:
        if el.getparent() is not None:
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


def _is_label(paragraph: str, limit: int) -> bool:
    return len(word_tokens(paragraph)) <= limit and not _SENTENCE_END_RE.search(paragraph)


def _is_byline_or_date(paragraph: str) -> bool:
    """A byline ("By Jane Doe", "Von Jana Vogt") or a date label ("12.02.2026, 09:41 Uhr") opening the text."""
    if not _is_label(paragraph, LABEL_WORDS):
        return False
    return bool(_BYLINE_START_RE.match(paragraph)) or (parse_date(paragraph) is not None
                                                       and len(word_tokens(paragraph)) <= DATE_LABEL_WORDS)


def drop_leading_title(paragraphs: list[str], titles: Sequence[str | None]) -> list[str]:
    """Drop the page's headline where it opens the text, with a kicker above it and byline and date lines below."""
    keys = {match_key(t) for t in titles if t and match_key(t)}
    heading = next((i for i, p in enumerate(paragraphs[:KICKER_LINES + 1]) if match_key(p) in keys), None)
    if heading is not None and all(_is_label(p, MENU_ITEM_WORDS) for p in paragraphs[:heading]):
        paragraphs = paragraphs[heading:]
    while paragraphs and (match_key(paragraphs[0]) in keys or _is_byline_or_date(paragraphs[0])):
        paragraphs = paragraphs[1:]
    return paragraphs


def generic_paragraphs(html: str, url: str | None = None, titles: Sequence[str | None] = (),
                       page: etree._Element | None = None) -> list[str]:
    """The page's main-text paragraphs, in order; [] when nothing article-like is found.

    ``titles`` are the page's headline candidates (see ``page_headlines``);
    a leading paragraph equal to one of them is dropped. ``page`` is ``html``
    already parsed, when the caller has it.
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
    paragraphs = _paragraphs(body)
    if len(paragraphs) >= 2:
        paragraphs = restore_blocks(paragraphs, page if page is not None else Selector(text=html, type="html").root)
    return drop_leading_title(trim_teasers(paragraphs), titles)


def _is_menu_item(paragraph: str) -> bool:
    return len(word_tokens(paragraph)) <= MENU_ITEM_WORDS and not _SENTENCE_END_RE.search(paragraph)


def trim_teasers(paragraphs: list[str]) -> list[str]:
    """Drop a trailing "More stories" list (a label, then headlines: short lines, most not ending like a
    sentence) and a leading menu (a run of label lines). One pass from the end, so that a page of many
    labels costs its length, not its length squared."""
    sentences = 0  # lines after i ending like a sentence
    for i in range(len(paragraphs) - 1, 0, -1):
        after = len(paragraphs) - 1 - i
        if after and NAVIGATION_LABEL_RE.match(paragraphs[i]) and len(word_tokens(paragraphs[i])) <= 6 \
                and sentences * 3 <= after:
            paragraphs = paragraphs[:i]
            break
        if len(word_tokens(paragraphs[i])) > TEASER_WORDS:
            break  # no teaser list reaches past a long line: every label before it is followed by one
        sentences += bool(_SENTENCE_END_RE.search(paragraphs[i]))
    start = 0
    while start < len(paragraphs) and _is_menu_item(paragraphs[start]):
        start += 1
    return paragraphs[start:] if start >= MENU_RUN and start < len(paragraphs) else paragraphs
