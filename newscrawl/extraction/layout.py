"""Reading a page with a site's selectors: one ``SiteLayout`` per markup version, selectors as class attributes.

As in Fundus' publisher parsers, a layout is data (which selector gives which
field) plus this shared reading routine, so a redesign is a new class beside
the old one rather than edits to a working one. Layouts are declared by the
sites (``newscrawl/sites/``); this module only knows how to read them.

A query is CSS (``::attr(x)`` allowed) unless it starts with ``/``, ``./`` or
``(``, then it is XPath.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from lxml import etree
from parsel import Selector, SelectorList

from newscrawl.extraction.blocks import element_text, text_blocks
from newscrawl.extraction.dates import normalize_date
from newscrawl.extraction.metadata import clean_value, split_tags


def select(sel: Selector, query: str) -> SelectorList:
    """Run one query, CSS or XPath by its first characters."""
    if query.startswith(("/", "./", "(")):
        return sel.xpath(query)
    return sel.css(query)


def node_text(node: Selector) -> str | None:
    """Visible text of a selected element, or the selected attribute/text value."""
    root = node.root
    if isinstance(root, str):
        return clean_value(root)
    if isinstance(root, etree._Element):
        return clean_value(element_text(root))
    return None


def first_text(sel: Selector, queries: Sequence[str]) -> str | None:
    """Text of the first element any query matches that has text."""
    for query in queries:
        for node in select(sel, query):
            text = node_text(node)
            if text:
                return text
    return None


def noise_elements(sel: Selector, queries: Sequence[str]) -> set[etree._Element]:
    """The elements the noise queries select (attribute/text matches are ignored)."""
    found: set[etree._Element] = set()
    for query in queries:
        found.update(n.root for n in select(sel, query) if isinstance(n.root, etree._Element))
    return found


@dataclass
class SiteFields:
    """What a site layout read; None / empty where its selectors found nothing."""

    title: str | None = None
    published: str | None = None
    author: str | None = None
    provider: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)


class SiteLayout:
    """One version of a site's story markup. Subclasses set the selector tuples."""

    detect: ClassVar[tuple[str, ...]] = ()  # any match: the page uses this layout
    title: ClassVar[tuple[str, ...]] = ()
    published: ClassVar[tuple[str, ...]] = ()
    author: ClassVar[tuple[str, ...]] = ()
    provider: ClassVar[tuple[str, ...]] = ()
    category: ClassVar[tuple[str, ...]] = ()
    tags: ClassVar[tuple[str, ...]] = ()
    body: ClassVar[tuple[str, ...]] = ()  # containers; the first with text gives the paragraphs
    noise: ClassVar[tuple[str, ...]] = ()  # never text, not even inside the body container

    @classmethod
    def matches(cls, sel: Selector) -> bool:
        return any(select(sel, q) for q in cls.detect)

    @classmethod
    def read(cls, sel: Selector, noise: set[etree._Element]) -> SiteFields:
        """Every field this layout's selectors find; ``noise`` elements are skipped in the body."""
        elements = (n.root for q in cls.body for n in select(sel, q) if isinstance(n.root, etree._Element))
        body = next((blocks for blocks in (text_blocks(el, exclude=noise) for el in elements) if blocks), [])
        dates = (normalize_date(node_text(n)) for q in cls.published for n in select(sel, q))
        published = next((d for d in dates if d), None)
        return SiteFields(
            title=first_text(sel, cls.title),
            published=published,
            author=first_text(sel, cls.author),
            provider=first_text(sel, cls.provider),
            category=first_text(sel, cls.category),
            tags=split_tags(first_text(sel, cls.tags)),
            body=body,
        )


class PageSite(Protocol):
    """What extraction needs of a site (``newscrawl.sites.base.Site`` has it; ``NO_SITE`` for unknown hosts)."""

    name: str
    layouts: tuple[type[SiteLayout], ...]
    noise: tuple[str, ...]
    site_names: tuple[str, ...]

    def canonical_url(self, url: str) -> str: ...

    def story_id(self, url: str, candidates: Sequence[str | None], body: Sequence[str]) -> str | None: ...

    def provider_from_body(self, body: Sequence[str]) -> str | None: ...


def layout_for(site: PageSite, sel: Selector) -> type[SiteLayout] | None:
    """The first of the site's layouts (newest first) whose markup the page has."""
    return next((layout for layout in site.layouts if layout.matches(sel)), None)


def noise_queries(site: PageSite, layout: type[SiteLayout] | None) -> tuple[str, ...]:
    return site.noise + (layout.noise if layout else ())


class NoSite:
    """The site of a page whose publisher is not known: no layouts, no chrome, no id."""

    name = ""
    layouts: tuple[type[SiteLayout], ...] = ()
    noise: tuple[str, ...] = ()
    site_names: tuple[str, ...] = ()

    def canonical_url(self, url: str) -> str:
        return (url or "").strip()

    def story_id(self, url: str, candidates: Sequence[str | None], body: Sequence[str]) -> str | None:
        return None

    def provider_from_body(self, body: Sequence[str]) -> str | None:
        return None


NO_SITE = NoSite()
