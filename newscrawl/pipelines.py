"""Item pipelines: thin adapters from Scrapy items to the cleaning steps.

Each pipeline runs one step of ``newscrawl.cleaning`` on the item's text, counts
what the step removed in ``crawler.stats`` and raises ``Rejected`` (a
``DropItem``) with the step's reason. The same steps run in ``newscrawl clean``.
Order (settings.ITEM_PIPELINES): shells, boilerplate, repeated passages, empty
bodies, near-duplicates. ``CleaningWorkersPipeline`` goes first: it runs the
steps of the step pipelines behind it in worker processes, and those pipelines
then report the verdicts instead of computing them in the crawl's process.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.reactor import is_asyncio_reactor_installed

from newscrawl.cleaning.boilerplate import BoilerplateStripper
from newscrawl.cleaning.document import Document, Step, split_paragraphs
from newscrawl.cleaning.neardup import DEFAULT_SCHEME, FINGERPRINT_KEY, NearDuplicateFilter
from newscrawl.cleaning.passages import RepeatedPassageFilter
from newscrawl.cleaning.rules import rules_from_settings
from newscrawl.cleaning.shells import EmptyBodyFilter, ShellFilter
from newscrawl.cleaning.workers import CleaningWorkers, WorkerLost, prepare_in_worker, run_step
from newscrawl.ledger import Ledger, Rejected

logger = logging.getLogger(__name__)


def document_from_item(adapter: ItemAdapter) -> Document:
    """The item's Document: the one the previous step left, else built from its fields."""
    doc = adapter.get("cleaning") if "cleaning" in adapter.field_names() else None
    if isinstance(doc, Document):
        return doc
    return Document(
        paragraphs=split_paragraphs(adapter.get("body") or ""),
        id=adapter.get("story_id"),
        url=adapter.get("url"),
        title=adapter.get("title"),
        provider=adapter.get("provider"),
        published=adapter.get("published"),
        html=adapter.get("html"),
        http_status=adapter.get("http_status"),
        source=adapter.get("source") or "generic",
    )


def update_item(adapter: ItemAdapter, doc: Document) -> None:
    """Write the step's result back; fields the step found fill only empty ones."""
    adapter["body"] = doc.body
    for name in ("title", "provider", "published"):
        if not adapter.get(name) and getattr(doc, name):
            adapter[name] = getattr(doc, name)


class StepPipeline:
    """Runs one cleaning step; subclasses say which with ``build_step``."""

    def __init__(self, crawler, step: Step):
        self.crawler = crawler
        self.stats = crawler.stats
        self.step = step

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, cls.build_step(crawler))

    @classmethod
    def build_step(cls, crawler) -> Step:  # pragma: no cover - abstract
        raise NotImplementedError

    def process_item(self, item: Any, spider=None) -> Any:
        adapter = ItemAdapter(item)
        doc = document_from_item(adapter)
        removed, rejection = run_step(self.step, doc)  # or the verdict a worker process reached
        for rule, n in removed.items():
            self.stats.inc_value(f"newscrawl/stripped/{rule}", n)
        if rejection is not None:
            self.stats.inc_value(f"newscrawl/dropped/{rejection.reason}")
            raise Rejected(rejection, self.step.name)
        update_item(adapter, doc)
        if "cleaning" in adapter.field_names():
            adapter["cleaning"] = doc
        return item


class ShellPipeline(StepPipeline):
    """Drops 404/403 shells and bot challenges; strips shell lines leaked into stories."""

    @classmethod
    def build_step(cls, crawler) -> Step:
        return ShellFilter(rules_from_settings(crawler.settings.getdict("NEWSCRAWL_EXTRA_RULES")))


class BoilerplatePipeline(StepPipeline):
    """Strips disclaimers, comment blocks, label lines, tracking tokens, dateline, title line."""

    @classmethod
    def build_step(cls, crawler) -> Step:
        return BoilerplateStripper(rules_from_settings(crawler.settings.getdict("NEWSCRAWL_EXTRA_RULES")))


class RepeatedPassagePipeline(StepPipeline):
    """Drops paragraphs and runs of paragraphs repeated inside one article."""

    @classmethod
    def build_step(cls, crawler) -> Step:
        return RepeatedPassageFilter()


class EmptyBodyPipeline(StepPipeline):
    """Drops items with no story left once shells and boilerplate are gone."""

    @classmethod
    def build_step(cls, crawler) -> Step:
        return EmptyBodyFilter()


class NearDuplicatePipeline(StepPipeline):
    """Drops syndicated copies and near-duplicates of stories seen in this or earlier runs.

    The index is the ledger's store, open once the spider is: the step is built on first use.
    """

    @classmethod
    def build_step(cls, crawler) -> Step | None:
        return None

    @classmethod
    def near_duplicates(cls, crawler) -> NearDuplicateFilter:
        ledger = crawler.get_extension(Ledger)
        if ledger is None:
            raise NotConfigured("the near-duplicate step needs the ledger's store (newscrawl.ledger.Ledger)")
        return NearDuplicateFilter(ledger.index)

    def process_item(self, item: Any, spider=None) -> Any:
        if self.step is None:
            self.step = self.near_duplicates(self.crawler)
        return super().process_item(item, spider)


class CleaningWorkersPipeline:
    """Runs the cleaning steps of the pipelines after it in ``NEWSCRAWL_CLEANING_WORKERS`` processes.

    Why: on loopback or a fast site the crawl's one process is busy with the
    reactor and parsing; 2 ms of cleaning per story there slowed the crawl by a
    third. Here the steps run on another core while the crawl goes on; the step
    pipelines still count and drop (``run_step`` hands them the verdict), and
    the near-duplicate decision stays in this process with the fingerprint taken
    in the worker, taken for the whole batch at once when it comes back (one
    store transaction instead of one per story). Items go to the workers in small batches
    (``NEWSCRAWL_CLEANING_BATCH`` items or ``NEWSCRAWL_CLEANING_BATCH_WAIT``
    seconds, whichever comes first): one task per item cost the crawl's process
    more in hand-offs than the batching delay costs.

    Only the step pipelines that directly follow this one are run ahead (another
    pipeline in between could change the body). A worker that fails (a crash, a
    step that cannot be pickled) costs nothing but speed: the item goes on
    unchanged and the step pipelines run the steps here; the fallback is logged
    and counted (``newscrawl/cleaning_workers/fallback``).
    """

    def __init__(self, crawler, workers: int, steps: list[Step], near_duplicates: bool):
        self.crawler = crawler
        self.stats = crawler.stats
        self.workers = workers
        self.steps = steps
        self.decides_near_duplicates = near_duplicates
        self.near_duplicates: NearDuplicateFilter | None = None  # built on first use: the store opens with the spider
        self.batch_size = max(1, crawler.settings.getint("NEWSCRAWL_CLEANING_BATCH", 16))
        self.batch_wait = crawler.settings.getfloat("NEWSCRAWL_CLEANING_BATCH_WAIT", 0.02)
        self.pool: CleaningWorkers | None = None
        self._batch: list[tuple[Document, asyncio.Future]] = []  # filling up
        self._queue: deque[list[tuple[Document, asyncio.Future]]] = deque()  # full, waiting for a worker
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_crawler(cls, crawler):
        workers = crawler.settings.getint("NEWSCRAWL_CLEANING_WORKERS", 1)
        if workers <= 0:
            raise NotConfigured("NEWSCRAWL_CLEANING_WORKERS is 0: cleaning runs in the crawl's process")
        if not is_asyncio_reactor_installed():
            raise NotConfigured("cleaning workers need the asyncio reactor (TWISTED_REACTOR)")
        steps, near_duplicates = cls.steps_ahead(crawler)
        if not steps and not near_duplicates:
            raise NotConfigured("no cleaning step pipeline follows CleaningWorkersPipeline")
        return cls(crawler, workers, steps, near_duplicates)

    @classmethod
    def steps_ahead(cls, crawler) -> tuple[list[Step], bool]:
        """The steps of the step pipelines right after this one, and whether the near-duplicate
        pipeline is among them."""
        order = [load_object(path) for path in build_component_list(crawler.settings.getwithbase("ITEM_PIPELINES"))]
        steps: list[Step] = []
        for pipeline in order[order.index(cls) + 1:] if cls in order else []:
            if not (isinstance(pipeline, type) and issubclass(pipeline, StepPipeline)):
                break
            if issubclass(pipeline, NearDuplicatePipeline):
                return steps, True
            steps.append(pipeline.build_step(crawler))
        return steps, False

    def open_spider(self, spider=None) -> None:
        scheme = DEFAULT_SCHEME if self.decides_near_duplicates else None
        self.pool = CleaningWorkers(self.workers, self.steps, scheme)
        loop = asyncio.get_running_loop()
        for worker in self.pool.workers:
            loop.add_reader(worker.conn.fileno(), self._readable, worker)

    def close_spider(self, spider=None) -> None:
        self._flush()
        if self.pool is not None:
            self._stop()

    async def process_item(self, item: Any, spider=None) -> Any:
        if self.pool is None:  # the workers were lost: the step pipelines clean it here
            self.stats.inc_value("newscrawl/cleaning_workers/fallback")
            return item
        adapter = ItemAdapter(item)
        waiter = asyncio.get_running_loop().create_future()
        self._batch.append((document_from_item(adapter), waiter))
        if len(self._batch) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.batch_wait, self._flush)
        ok, result = await waiter
        if not ok:  # the steps run here instead: slower, never lost
            self.stats.inc_value("newscrawl/cleaning_workers/fallback")
            logger.warning("cleaning worker failed for %s (%s); cleaning it in the crawl's process",
                           adapter.get("url"), result)
            return item
        if "cleaning" in adapter.field_names():
            adapter["cleaning"] = result
        return item

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._batch = self._batch, []
        if batch:
            self._queue.append(batch)
        self._dispatch()

    def _dispatch(self) -> None:
        """Give queued batches to idle workers; with no worker left, their items are cleaned here."""
        while self._queue:
            if self.pool is None:
                self._settle(self._queue.popleft(), "the cleaning workers are stopped")
                continue
            worker = self.pool.idle_worker()
            if worker is None:
                return
            batch = self._queue.popleft()
            try:
                self.pool.send(worker, prepare_in_worker, [doc for doc, _ in batch], batch)
            except WorkerLost as exc:
                self._lost(worker, exc)
                self._queue.appendleft(batch)
            except Exception as exc:  # this batch cannot travel (cannot be pickled): its items go on here
                self._settle(batch, f"{type(exc).__name__}: {exc}")

    def _readable(self, worker) -> None:
        """A worker's results arrived (or its pipe closed: it died)."""
        try:
            batch, results = self.pool.receive(worker)
        except WorkerLost as exc:
            lost_batch = worker.job
            self._lost(worker, exc)
            if lost_batch is not None:
                self._settle(lost_batch, f"the worker died: {exc}")
        else:
            self._decide_near_duplicates(results)
            self._settle(batch, results)
        self._dispatch()

    def _decide_near_duplicates(self, results: list) -> None:
        """Take the near-duplicate verdicts of a batch's stories in one index call; the
        near-duplicate pipeline reports them. On a store error it is left to that pipeline,
        which meets the error item by item (each one an item error, none lost silently)."""
        if not self.decides_near_duplicates:
            return
        docs = [doc for ok, doc in results if ok and FINGERPRINT_KEY in doc.extra]
        if not docs:
            return
        try:
            if self.near_duplicates is None:
                self.near_duplicates = NearDuplicatePipeline.near_duplicates(self.crawler)
            verdicts = self.near_duplicates.decide(docs)
        except Exception as exc:
            logger.warning("near-duplicate check of a batch of %d failed (%s); each item is checked on its own",
                           len(docs), exc)
            return
        for doc, rejection in zip(docs, verdicts):
            doc.extra["verdicts"][self.near_duplicates.name] = (Counter(), rejection)

    def _lost(self, worker, exc: Exception) -> None:
        """A worker died (killed, out of memory): go on with the others, or without any."""
        asyncio.get_running_loop().remove_reader(worker.conn.fileno())
        worker.job = None
        self.stats.inc_value("newscrawl/cleaning_workers/lost")
        if self.pool is not None and not self.pool.live:
            logger.error("cleaning workers stopped (%s); the rest of the crawl is cleaned in its own process", exc)
            self._stop()
        else:
            logger.error("%s; the other cleaning workers go on", exc)

    def _stop(self) -> None:
        pool, self.pool = self.pool, None
        if pool is None:
            return
        loop = asyncio.get_running_loop()
        for worker in pool.workers:
            if worker.alive:  # a lost one is no longer watched
                loop.remove_reader(worker.conn.fileno())
            if worker.job is not None:  # at close nothing is in flight; after a loss, nothing is left behind
                self._settle(worker.job, "the cleaning workers are stopped")
                worker.job = None
        pool.close()

    @staticmethod
    def _settle(batch: list, results: list | str) -> None:
        """Hand each item of a batch its result; a string is one failure for all of them."""
        if isinstance(results, str):
            results = [(False, results)] * len(batch)
        for (_, waiter), result in zip(batch, results):
            if not waiter.done():
                waiter.set_result(result)
