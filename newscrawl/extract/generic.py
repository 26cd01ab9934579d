"""Main text of a page whose layout nobody wrote selectors for.

Built on trafilatura (given the HTML string only: it never fetches). Its text
output is one paragraph per line, which is what the feed's body wants.
"""

from __future__ import annotations

import logging

import trafilatura

from newscrawl.cleaning.document import split_paragraphs
from newscrawl.cleaning.text import normalize_space

logger = logging.getLogger(__name__)
# "discarding data" for every page without an article is expected here, not a warning.
logging.getLogger("trafilatura.core").setLevel(logging.ERROR)


def generic_paragraphs(html: str, url: str | None = None) -> list[str]:
    """The page's main-text paragraphs, in order; [] when nothing article-like is found."""
    if not html or not html.strip():
        return []
    try:
        doc = trafilatura.bare_extraction(
            html, url=url or None, favor_precision=True, include_comments=False, include_tables=True,
            with_metadata=False, deduplicate=False,
        )
    except Exception as exc:  # trafilatura on hostile markup: report, never crash the crawl
        logger.warning("generic extraction failed for %s: %r", url, exc)
        return []
    text = getattr(doc, "text", None) if doc is not None else None
    return [normalize_space(p) for p in split_paragraphs(text or "") if normalize_space(p)]
