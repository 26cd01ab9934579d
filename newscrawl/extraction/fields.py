"""The article fields a page states about itself, each with the source that gave it.

Title, publication and modification times and authors are read from the page's
metadata and visible markup (``titles``, ``published``, ``authors``); a site
extractor's own selectors win where they found a value. ``sources`` says where
each field came from, so that users can filter on it: ``site``, ``json-ld``,
``meta``, ``og``, ``twitter``, ``h1``, ``title``, ``microdata``, ``time``,
``text``, ``htmldate``, ``url``, ``markup``, ``byline`` or ``link``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from parsel import Selector

from newscrawl.extraction.authors import page_authors
from newscrawl.extraction.metadata import PageMetadata
from newscrawl.extraction.published import page_dates
from newscrawl.extraction.sitenames import site_names
from newscrawl.extraction.titles import page_title


@dataclass
class PageFields:
    title: str | None = None
    published: str | None = None
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # field name -> where it came from


def page_fields(sel: Selector, meta: PageMetadata, url: str | None, html: str | None,
                extra_site_names: Iterable[str | None] = (), given=None, layout_known: bool = False) -> PageFields:
    """Title, dates and authors of a parsed page, and the source of each.

    ``given`` holds what a site extractor's selectors found (its ``title``,
    ``published``, ``author``): those win, and are not looked for again.
    ``layout_known``: a site's layout read the page, so its authors are its
    selectors' or the metadata's, not the generic byline searches'.
    """
    title, published, author = (getattr(given, name, None) for name in ("title", "published", "author"))
    site = site_names(meta.metas, meta.json_ld, meta.article_ld, url, extra_site_names)
    title_source = "site" if title else None
    if not title:
        title, title_source = page_title(sel, meta, site)
    dates = page_dates(meta, url, html, published_known=bool(published))  # none of the page's searches for it
    authors, author_source = ([author], "site") if author else page_authors(sel, meta, site, markup=not layout_known)
    found = {"title": title_source, "published": "site" if published else dates.published_source,
             "modified": dates.modified_source, "author": author_source}
    return PageFields(title=title, published=published or dates.published, modified=dates.modified, authors=authors,
                      sources={name: source for name, source in found.items() if source})
