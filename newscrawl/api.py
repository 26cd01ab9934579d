"""newscrawl from Python: what ``import newscrawl`` offers besides the commands.

- ``extract(html, url=None)``: one page's story as an ``Article``, cleaned as a crawl cleans it (every
  step that reads only the story: error shells, disclaimers and boilerplate, repeated passages). The
  near-duplicate check needs other stories: that is ``clean``.
- ``clean(records, state=None)``: records (dicts with ``text``/``body`` or ``html``, as
  ``newscrawl clean`` reads JSONL lines) through every step, near-duplicates included: one
  ``Cleaned`` per record, in input order, each delivered once (across calls, with ``state``).
- ``project_settings(**overrides)``: the project's settings, add-on included, for ``CrawlerProcess``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import Settings

    from newscrawl.clean_files import Cleaned
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


def clean(records: Iterable[dict[str, Any]], state: str | Path | None = None, *, spider: str | None = None,
          steps: Iterable[Any] | None = None, extra_rules: dict | None = None) -> Iterator[Cleaned]:
    """Each record cleaned, in order: ``Cleaned(record, kept, reason, ...)``, where ``record`` is the
    line ``newscrawl clean`` would write (to its output, or with ``reason``, ``detail`` and
    ``duplicate_of`` to its rejects).

    Records are claimed a chunk at a time, as a crawl claims stories: a repeat (same id or URL, or
    same text) is rejected as ``duplicate``, a copy of an earlier story as ``near_duplicate``.
    ``state`` is the store to dedup against and extend (a directory, with ``spider`` to use a crawl's
    store, or a ``.sqlite3`` file); without it, only the records of this call are compared. A record
    counts as delivered once you ask for the next one (or the iteration ends): stop early, or fail
    while handling one, and the next call with the same ``state`` offers that record again.
    """
    from newscrawl.clean_files import CHUNK, DEFAULT_RETENTION_DAYS, _chunks, _prepared_here, clean_chunk, open_state
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.cleaning.workers import attempt
    from newscrawl.delivery import Delivery, new_run_id
    from newscrawl.inputs import InputRecord
    from newscrawl.steps import DEFAULT_STEPS, build_chain
    from newscrawl.store import memory_stores

    stores, identity = open_state(Path(state), spider) if state is not None else (memory_stores(DEFAULT_SCHEME), None)
    delivery = Delivery(stores, new_run_id(), kind="clean", spider=spider or "clean", identity_record=identity,
                        retention_days=DEFAULT_RETENTION_DAYS)
    handed: list[str] = []  # keys of the records the caller has moved past: delivered

    def settle() -> None:
        delivery.done(sorted({k for k in handed if k in delivery.claimed}))
        handed.clear()

    finished = False
    try:
        delivery.start(feeds=[], rejects=None, handled_reasons=None)
        chain = build_chain(DEFAULT_STEPS if steps is None else steps, extra_rules=extra_rules, index=stores.index)
        items = (InputRecord(dict(record), "<records>", n) for n, record in enumerate(records, 1))
        prepared = ((item, *attempt(_prepared_here(chain), item)) for item in items)
        for chunk in _chunks(prepared, CHUNK):
            for cleaned in clean_chunk(chunk, chain, delivery):
                yield cleaned
                if cleaned.key is not None:  # the caller asked for the next one
                    handed.append(cleaned.key)
            settle()
        delivery.finish()
        finished = True
    finally:
        # Stopped early, or failed: the records moved past are delivered; the one the caller was
        # given last and the rest of its chunk are let go, to be offered again.
        try:
            if not finished:
                settle()
                delivery.release(sorted(delivery.claimed))
                delivery.finish("stopped")
        finally:
            stores.close()


def project_settings(**overrides: Any) -> Settings:
    """newscrawl's settings (``newscrawl.settings`` and its add-on) with ``overrides`` on top, for
    ``CrawlerProcess(newscrawl.project_settings()).crawl("menafn")`` from any directory."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings
