"""Turning a fetched page into an ``Article``: site selectors, then page metadata, then generic text.

Each field falls back on its own: a redesign that breaks the body selector
still leaves the title and date to the page metadata, and a page with no
known layout still gives its main text. ``Article.extraction`` names the path
that produced the body. Bad input (garbage, empty, binary) gives an Article
with an empty body, never an exception. The site (its layouts, chrome, ids)
is the caller's to give (``newscrawl.sites.site_for(url)``); without one the
page is read as an unknown site's.
"""

from __future__ import annotations

import re

import lxml.html
from parsel import Selector

from newscrawl.extraction.fields import page_fields
from newscrawl.extraction.generic import drop_leading_title, generic_paragraphs, page_headlines
from newscrawl.extraction.layout import NO_SITE, PageSite, SiteFields, layout_for, noise_elements, noise_queries
from newscrawl.extraction.ldbody import choose_body, metadata_paragraphs
from newscrawl.extraction.metadata import PageMetadata, page_metadata
from newscrawl.items import EXTRACTION_SITE, Article

__all__ = ["cut_off", "extract_article"]

# Characters lxml refuses (NUL, C0 controls other than tab/newline/CR).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _parse(html: str) -> Selector:
    text = _CONTROL_RE.sub("", html or "")
    try:
        return Selector(text=text or "<html></html>", type="html")  # never sniffed as JSON: a page is HTML
    except (ValueError, TypeError):  # lxml refusing the document outright
        return Selector(text="<html></html>")


def _fallback_body(sel: Selector, meta: PageMetadata, noise: set, url: str, titles: list[str | None]):
    """(paragraphs, path) when the site gave no body: the JSON-LD body if it is the whole story, else generic text."""
    for el in noise:  # the site's chrome must not reach the fallbacks (tails are kept)
        if el.getparent() is not None:
            el.drop_tree()
    metadata = drop_leading_title(metadata_paragraphs(meta.body), titles)
    generic = generic_paragraphs(lxml.html.tostring(sel.root, encoding="unicode"), url, titles, sel.root)
    return choose_body(metadata, generic, meta.description)


def extract_article(url: str, html: str | bytes | None, *, http_status: int | None = None,
                    site: PageSite | None = None) -> Article:
    """An ``Article`` from a fetched page; fields the page lacks stay None/empty."""
    extractor = site or NO_SITE
    if isinstance(html, bytes):  # a raw body handed over undecoded: UTF-8, damage replaced
        html = html.decode("utf-8", errors="replace")
    html = html if isinstance(html, str) else None
    sel = _parse(html or "")
    meta = page_metadata(sel)
    layout = layout_for(extractor, sel)
    noise = noise_elements(sel, noise_queries(extractor, layout))
    fields = layout.read(sel, noise) if layout else SiteFields()
    canonical = extractor.canonical_url(url or "")
    found = page_fields(sel, meta, canonical, html, extractor.site_names, given=fields, layout_known=layout is not None)
    title = found.title
    if fields.body:
        body, path = fields.body, EXTRACTION_SITE
    else:
        body, path = _fallback_body(sel, meta, noise, canonical, [title, *page_headlines(sel, meta)])
    return Article(
        url=canonical,
        story_id=extractor.story_id(url or "", (meta.canonical_url,), body),
        title=title,
        published=found.published,
        modified=found.modified,
        provider=fields.provider or extractor.provider_from_body(body) or meta.publisher,
        author=found.authors[0] if found.authors else None,
        authors=found.authors,
        category=fields.category or meta.category,
        tags=fields.tags or meta.tags,
        language=meta.language,
        body="\n\n".join(body),
        source=extractor.name,
        http_status=http_status,
        extraction=path,
        sources=found.sources,
        html=html,
    )


_CLOSED_RE = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
_OPENED_RE = re.compile(r"<(?:body|html)\b", re.IGNORECASE)
_ENDS_SENTENCE_RE = re.compile(r"[.!?\u2026:;)\]\"'\u201d\u2019\u00bb]\s*$")


def cut_off(html: str | None, body: str | None) -> bool:
    """Whether a page was served cut off in mid-document (issue 16): it opens a body (or html element) it
    never closes, it ends inside text or a tag, and its text stops mid-sentence. Each alone is common
    enough in whole pages (closing tags may be left out, a story may end on a byline); together they
    are a page that stopped. On the article-extraction benchmark's 181 pages: none, even with their
    closing tags taken out."""
    if not html or not body or html.rstrip().endswith(">"):
        return False
    if _CLOSED_RE.search(html) or not _OPENED_RE.search(html):
        return False
    return not _ENDS_SENTENCE_RE.search(body.rstrip().rsplit("\n", 1)[-1])
