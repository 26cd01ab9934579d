"""newscrawl's extraction and cleaning as datatrove pipeline steps, for backlogs past one machine.

``pip install newscrawl[datatrove]``; datatrove's executors (local, Slurm, Ray) then run the same
work as ``newscrawl clean`` on as many tasks as there are files::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter
    from newscrawl.datatrove import (CleanStories, Delivered, ExtractStories, NearDuplicates, StoryPages,
                                     reject_line, story_line)

    near = NearDuplicates(redis_url="redis://...", job="cc-news-2026",
                          exclusion_writer=JsonlWriter("rejects/", "${rank}-dup.jsonl", adapter=reject_line))
    LocalPipelineExecutor(pipeline=[
        StoryPages("cc-news/", hosts=["menafn.com"]),  # datatrove's WarcReader, newscrawl's choice of pages
        ExtractStories(),                               # the site's selectors, else the generic path
        CleanStories(exclusion_writer=JsonlWriter("rejects/", adapter=reject_line)),
        near,
        JsonlWriter("stories/", adapter=story_line),
        Delivered(near),                                # the stories are done once the writers closed their files
    ], tasks=2, workers=2, logging_dir="logs/").run()

Steps, and why each is where it is:

- ``StoryPages`` is datatrove's ``WarcReader`` (its file listing, sharding across tasks, warcio
  and datatrove's file systems) reading only what ``newscrawl clean`` reads: ``response`` records
  with status 200 and an HTML type, story URLs of their site (``newscrawl.archives``). datatrove's
  own record filter keeps any HTML response (a 404 page too) and drops the status, so only the
  choice of records is ours.
- ``ExtractStories`` turns a page into the crawl's story fields (``archives.stories``).
- ``CleanStories`` runs the steps that read only the story (``NEWSCRAWL_STEPS`` up to the
  near-duplicate one: shells, boilerplate, repeated passages, empty bodies); ``steps=[...]``
  picks fewer or others, so each can be a step of its own.
- ``NearDuplicates`` claims each story's key in the seen store and checks and extends the
  near-duplicate index of ``newscrawl.store`` (the crawl's: ``redis_url`` for Redis, which every
  task shares and updates atomically, or ``state_dir`` for a SQLite file), a batch at a time.
- ``Delivered``, last, marks the task's claimed stories done once the writers before it have
  closed their files (a task that dies leaves them claimed, for its rerun: ``job``).

Rejected stories leave through each filter's ``exclusion_writer``; ``reject_line`` writes them as
``newscrawl clean`` writes its rejects (the record, ``reason``, ``detail``, ``duplicate_of``) and
``story_line`` writes kept stories as its output lines.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any, Iterable, Sequence

from datatrove.data import Document as DatatroveDocument
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers.warc import WarcReader

from newscrawl.archives.reader import Page, PageRef, capture_time, decode_body, page_problem, warcinfo_spider
from newscrawl.archives.stories import host_filter, page_key, story_record
from newscrawl.clean_files import FOUND_FIELDS, document_from_story
from newscrawl.cleaning.chain import CleaningChain, Outcome, StepResult
from newscrawl.cleaning.document import Rejection
from newscrawl.cleaning.neardup import DEFAULT_SCHEME
from newscrawl.delivery import new_run_id
from newscrawl.steps import DEFAULT_STEPS, TEXT_STEPS, build_chain

logger = logging.getLogger(__name__)

__all__ = ["CleanStories", "Delivered", "ExtractStories", "NearDuplicates", "StoryPages", "reject_line", "story_line"]

# Working data a story carries between newscrawl's steps inside one task; never written out.
_DOC, _REF, _OUTCOME = "newscrawl_document", "newscrawl_page", "newscrawl_outcome"
_PRIVATE = (_DOC, _REF, _OUTCOME)


class StoryPages(WarcReader):
    """datatrove's ``WarcReader``, giving the pages ``newscrawl clean`` would read (see the module docstring)."""

    name = "🕷 Warc: newscrawl story pages"

    def __new__(cls, *args: Any, **kwargs: Any):
        # WarcReader asks for cchardet and python-magic (libmagic), which only its own record filter
        # uses; this reader needs warcio alone.
        from datatrove.utils._import_utils import check_required_dependencies

        check_required_dependencies(cls.__name__, ["warcio"])
        return object.__new__(cls)

    def __init__(self, data_folder, hosts: Iterable[str] | None = None, **kwargs: Any):
        super().__init__(data_folder, **kwargs)
        self.hosts = list(hosts or ())

    def read_file(self, filepath: str):
        from warcio.archiveiterator import ArchiveIterator

        wanted = host_filter(self.hosts)
        spider = None
        location = self.data_folder.resolve_paths(filepath)
        with self.data_folder.open(filepath, "rb", compression=self.compression) as fh:
            for number, record in enumerate(ArchiveIterator(fh)):
                with self.track_time():
                    if record.rec_type == "warcinfo":
                        spider = warcinfo_spider(record.content_stream().read()) or spider
                        continue
                    if record.rec_type != "response":
                        continue
                    http = record.http_headers
                    status = int(http.get_statuscode()) if http is not None and http.get_statuscode() else None
                    content_type = http.get_header("Content-Type") if http is not None else None
                    url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
                    if page_problem(http is not None, status, content_type) or not wanted(url, spider):
                        continue
                    ref = PageRef(location, number, url, record.rec_headers.get_header("WARC-Record-ID") or "",
                                  capture_time(record.rec_headers.get_header("WARC-Date")), spider)
                    html = decode_body(record.content_stream().read(), content_type)
                    document = self.get_document_from_dict({"text": html, "id": ref.record_id, _REF: ref},
                                                           filepath, number)
                if document:
                    yield document


class ExtractStories(PipelineStep):
    """A page (``text``: its HTML) becomes its story: ``text`` the extracted body, ``metadata`` the crawl's fields."""

    name = "📰 newscrawl: extract stories"
    type = "🛢 - EXTRAC"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data or ():
            ref: PageRef = doc.metadata[_REF]
            with self.track_time():
                try:
                    record = story_record(Page(ref, doc.text, 200))
                except Exception as exc:  # one bad page must not end the task
                    self.stat_update("failed")
                    record = {"url": ref.url, "warc_record_id": ref.record_id, "warc_file": ref.file,
                              "extract_error": f"{type(exc).__name__}: {exc}"}
            story = document_from_story(record) if "extract_error" not in record else None
            doc.metadata = {**record, _REF: ref, _DOC: story}
            doc.text = story.body if story is not None else ""
            self.stat_update("extracted")
            yield doc


class CleanStories(BaseFilter):
    """The cleaning steps that read only the story (``steps``: ``NEWSCRAWL_STEPS`` entries; default all of them
    before the near-duplicate step). A rejected story is dropped with its reason."""

    name = "🧹 newscrawl: clean stories"

    def __init__(self, steps: Sequence[str | dict] = TEXT_STEPS, extra_rules: dict | None = None,
                 exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.chain = build_chain(steps, extra_rules=extra_rules)
        if self.chain.stateful:
            raise ValueError("CleanStories runs the steps that read only the story; use NearDuplicates for the index")

    def filter(self, doc: DatatroveDocument) -> bool | tuple[bool, str]:
        story = doc.metadata.get(_DOC)
        if story is None:
            _mark(doc, Rejection("error", detail=f"cannot clean this record ({doc.metadata.get('extract_error')})"))
            return False, "error"
        outcome = self.chain.prepare(story)
        earlier = doc.metadata.get(_OUTCOME)
        if earlier is not None:  # several CleanStories in a row: one outcome, every step's results
            earlier.results.extend(outcome.results)
            outcome = earlier
        doc.metadata[_OUTCOME] = outcome
        doc.text = story.body
        if outcome.rejection is not None:
            _mark(doc, outcome.rejection)
            return False, outcome.rejection.reason
        return True


class NearDuplicates(BaseFilter):
    """The crawl's delivery claims and near-duplicate index, shared by every task through the store.

    A batch at a time, in each task's input order: a story whose key (its site's id, else its
    canonical URL) another task or run holds already is a ``duplicate``; then the near-duplicate
    step decides against the shared index (one atomic check-and-insert per batch in Redis).
    ``namespace`` is the store's (a crawl's spider name shares that crawl's index).

    A task's stories stay claimed (pending) until ``Delivered``, the pipeline's last step, sees
    its writers' files closed; only then are they done. ``job`` names the backlog (the same each
    time it is run): a task's claims are then its own (``datatrove-<job>-<rank>``), so a task
    started again after a crash (datatrove's ``skip_completed``) takes back what it claimed and
    writes it again, in files that replace the crashed attempt's.
    """

    name = "🫂 newscrawl: near-duplicates"

    def __init__(self, *, redis_url: str | None = None, state_dir: str | None = None, namespace: str = "clean",
                 job: str | None = None, steps: Sequence[str | dict] = DEFAULT_STEPS[len(TEXT_STEPS):],
                 exclusion_writer=None, batch_size: int = 64, heartbeat_ttl: float = 600.0):
        super().__init__(exclusion_writer, batch_size=batch_size)
        if not redis_url and not state_dir:
            raise ValueError("NearDuplicates needs a store all tasks share: redis_url, or state_dir for SQLite")
        self.redis_url, self.state_dir, self.namespace, self.steps = redis_url, state_dir, namespace, list(steps)
        self.job = job
        self.heartbeat_ttl = heartbeat_ttl  # other runs of the store leave a task's claims alone while it beats
        self._stores = None
        self._chain: CleaningChain | None = None
        self._run: str | None = None
        self._claimed: list[str] = []  # this task's stories, done once Delivered sees the files closed
        self.delivered_later = False  # a Delivered step follows; without one, stories are done when this step ends

    def _open_stores(self):
        from newscrawl.store import open_stores  # in the task's process: stores do not travel

        return open_stores(self.namespace, state_dir=self.state_dir, redis_url=self.redis_url, scheme=DEFAULT_SCHEME)

    def _open(self) -> CleaningChain:
        if self._chain is None:
            self._stores = self._open_stores()
            self._chain = build_chain(self.steps, index=self._stores.index)
        return self._chain

    def settle(self) -> None:
        """Every story this task claimed is delivered: its writers closed their files (``Delivered``)."""
        if self._run is None:
            return
        stores = self._open_stores()
        try:
            stores.seen.mark_done(self._claimed)
            stores.end(self._run)
        finally:
            stores.close()
        self._claimed, self._run = [], None

    def filter(self, doc: DatatroveDocument) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[DatatroveDocument]) -> list[bool | tuple[bool, str]]:
        chain = self._open()
        outcomes: list[Outcome] = []
        for doc in batch:
            outcome = chain.prepare(doc.metadata[_DOC])  # the fingerprint
            earlier = doc.metadata.get(_OUTCOME)
            if earlier is not None:
                earlier.results.extend(outcome.results)
                outcome = earlier
            doc.metadata[_OUTCOME] = outcome
            outcomes.append(outcome)
        keys = [page_key(doc.metadata[_REF]) for doc in batch]
        self._stores.beat(self._run, self.heartbeat_ttl)
        claimed = self._stores.seen.claim(keys, self._run, resume=self.job is not None)
        for outcome, key, ok in zip(outcomes, keys, claimed):
            if not ok:
                outcome.results.append(StepResult("ledger", Counter(), Rejection(
                    "duplicate", detail="a record with this id, URL or text was handled already", duplicate_of=key)))
        chain.decide(outcomes)
        self._claimed += [k for k, ok in zip(keys, claimed) if ok]
        results: list[bool | tuple[bool, str]] = []
        for doc, outcome in zip(batch, outcomes):
            if outcome.rejection is not None:
                _mark(doc, outcome.rejection)
                results.append((False, outcome.rejection.reason))
            else:
                results.append(True)
        return results

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        self._run = f"datatrove-{self.job}-{rank}" if self.job is not None else f"datatrove-{new_run_id()}"
        self._claimed = []
        try:
            yield from super().run(data, rank, world_size)
        finally:
            if self._stores is not None:
                self._stores.close()
                self._stores, self._chain = None, None
        if not self.delivered_later:  # no Delivered step: done as this step ends, before the writers close
            logger.warning("NearDuplicates without a Delivered step after the writers: a task that dies between "
                           "the two loses what it marked done")
            self.settle()


class Delivered(PipelineStep):
    """The last step: once every document went through the writers before it (which then close
    their files), the stories ``near_duplicates`` claimed in this task are done. A task that dies
    before leaves them claimed: with a ``job``, its rerun takes them back."""

    name = "📬 newscrawl: delivered"

    def __init__(self, near_duplicates: NearDuplicates):
        super().__init__()
        self.near_duplicates = near_duplicates
        near_duplicates.delivered_later = True

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for document in data or ():
            yield document
        self.near_duplicates.settle()


def _mark(doc: DatatroveDocument, rejection: Rejection) -> None:
    doc.metadata["reason"] = rejection.reason
    doc.metadata["detail"] = rejection.detail
    doc.metadata["duplicate_of"] = rejection.duplicate_of


def _record(document: DatatroveDocument) -> dict[str, Any]:
    return {k: v for k, v in document.metadata.items() if k not in _PRIVATE and k not in ("filter_reason",)}


def story_line(self, document: DatatroveDocument) -> dict[str, Any]:
    """A kept story as ``newscrawl clean`` writes it (a ``JsonlWriter`` adapter)."""
    out = _record(document)
    story = document.metadata.get(_DOC)
    out["body"] = document.text
    for name in FOUND_FIELDS:
        value = getattr(story, name, None)
        if value and not out.get(name):
            out[name] = value
    return out


def reject_line(self, document: DatatroveDocument) -> dict[str, Any]:
    """A rejected story as ``newscrawl clean`` writes its rejects (a ``JsonlWriter`` adapter): the record
    as extracted, with ``reason``, ``detail`` and ``duplicate_of``."""
    out = _record(document)
    for name in ("reason", "detail", "duplicate_of"):
        out[name] = out.pop(name, None)
    return out
