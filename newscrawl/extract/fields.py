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

from newscrawl.extract.authors import page_authors
from newscrawl.extract.metadata import PageMetadata
from newscrawl.extract.published import page_dates
from newscrawl.extract.sitenames import site_names
from newscrawl.extract.titles import page_title


@dataclass
class PageFields:
    title: str | None = None
    published: str | None = None
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # field name -> where it came from

    def over(self, site) -> PageFields:
        """These fields with a site extractor's (its ``title``, ``published``, ``author``) winning where given."""
        sources = dict(self.sources)
        for name in ("title", "published", "author"):
            if getattr(site, name, None):
                sources[name] = "site"
        return PageFields(title=site.title or self.title, published=site.published or self.published,
                          modified=self.modified, authors=[site.author] if site.author else self.authors,
                          sources=sources)


def page_fields(sel: Selector, meta: PageMetadata, url: str | None, html: str | None,
                extra_site_names: Iterable[str | None] = ()) -> PageFields:
    """Title, dates and authors of a parsed page, and the source of each."""
    site = site_names(meta.metas, meta.json_ld, meta.article_ld, url, extra_site_names)
    title, title_source = page_title(sel, meta, site)
    dates = page_dates(meta, url, html)
    authors, author_source = page_authors(sel, meta, site)
    found = {"title": title_source, "published": dates.published_source, "modified": dates.modified_source,
             "author": author_source}
    return PageFields(title=title, published=dates.published, modified=dates.modified, authors=authors,
                      sources={name: source for name, source in found.items() if source})
