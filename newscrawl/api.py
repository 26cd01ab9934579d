"""newscrawl from Python: what ``import newscrawl`` offers besides the commands.

- ``extract(html, url=None)``: one page's story as an ``Article``, cleaned as a crawl cleans it (every
  step that reads only the story: error shells, disclaimers and boilerplate, repeated passages). The
  near-duplicate check needs other stories: ``newscrawl clean``.
- ``project_settings(**overrides)``: the project's settings, add-on included, for ``CrawlerProcess``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import Settings

    from newscrawl.items import Article


def extract(html: str | bytes, url: str | None = None, *, clean: bool = True) -> Article:
    """The story of the page ``html`` (fetched from ``url``, if known: it picks the site's extractor).

    A page that holds no story (an error shell, a blocked page, nothing left once cleaned) gives an
    Article with an empty ``body``. ``clean=False``: the extracted body as the page has it.
    """
    from newscrawl.cleaning.document import Document, split_paragraphs
    from newscrawl.extraction import extract_article
    from newscrawl.sites import site_for
    from newscrawl.steps import text_chain

    site = site_for(url or "")
    article = extract_article(url or "", html, site=site)
    article.source = site.name or "generic"
    if not clean:
        return article
    raw = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    outcome = text_chain().clean(Document(
        paragraphs=split_paragraphs(article.body), id=article.story_id, url=article.url, title=article.title,
        provider=article.provider, published=article.published, html=raw, source=article.source))
    article.body = "" if outcome.rejection is not None else outcome.doc.body
    for name in ("title", "provider", "published"):
        if not getattr(article, name) and getattr(outcome.doc, name):
            setattr(article, name, getattr(outcome.doc, name))
    return article


def project_settings(**overrides: Any) -> Settings:
    """newscrawl's settings (``newscrawl.settings`` and its add-on) with ``overrides`` on top, for
    ``CrawlerProcess(newscrawl.project_settings()).crawl("menafn")`` from any directory."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings
