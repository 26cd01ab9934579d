"""The one cleaning pipeline: ``NEWSCRAWL_STEPS`` on every story, in the crawl's process or in workers.

``CleaningPipeline`` builds the chain (``newscrawl.steps``: the same list
``newscrawl clean`` and the datatrove steps run), hands each story's
preparation (the steps that read only the story, and the near-duplicate
fingerprint) to an executor, then decides near-duplicates here, in order, the
stories of one turn of the event loop in one index transaction. It counts
what each step removed (``newscrawl/stripped/<rule>``) and dropped
(``newscrawl/dropped/<reason>``, ``newscrawl/steps/<step>/dropped``) and
raises ``Rejected``, which the ledger writes to the rejects file.

Executors, one interface (``prepare(doc)`` -> awaitable ``Outcome``):
``InProcess`` runs the preparation at once; ``Workers`` sends it to
``NEWSCRAWL_CLEANING_WORKERS`` processes in small batches
(``NEWSCRAWL_CLEANING_BATCH`` stories, or after ``NEWSCRAWL_CLEANING_BATCH_WAIT``
seconds): on loopback or a fast site the crawl's one process is busy with the
reactor and parsing, and 2 ms of cleaning per story there slowed the crawl by
a third. A worker that dies costs nothing but speed: its stories are prepared
here (``newscrawl/cleaning_workers/fallback``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from itemadapter import ItemAdapter
from scrapy.utils.reactor import is_asyncio_reactor_installed

from newscrawl.batching import TurnBatch
from newscrawl.cleaning.chain import CleaningChain, Outcome
from newscrawl.cleaning.document import Document, split_paragraphs
from newscrawl.cleaning.workers import CleaningWorkers, WorkerLost, prepare_in_worker
from newscrawl.cleaning.neardup import DEFAULT_SCHEME
from newscrawl.ledger import Ledger, Rejected
from newscrawl.steps import build_chain, step_specs
from newscrawl.store.memory import MemoryIndex

logger = logging.getLogger(__name__)


def document_from_item(adapter: ItemAdapter) -> Document:
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
    """Write the cleaned body back; fields the steps found fill only empty ones."""
    adapter["body"] = doc.body
    for name in ("title", "provider", "published"):
        if not adapter.get(name) and getattr(doc, name):
            adapter[name] = getattr(doc, name)


class InProcess:
    """Prepares each story in the crawl's own process."""

    def __init__(self, chain: CleaningChain):
        self.chain = chain

    async def prepare(self, doc: Document) -> Outcome:
        return self.chain.prepare(doc)

    def close(self) -> None:
        return None


class Workers:
    """Prepares stories in worker processes, in batches, each worker on its own pipe watched by the event loop."""

    def __init__(self, chain: CleaningChain, workers: int, batch_size: int, batch_wait: float, stats):
        self.chain = chain
        self.stats = stats
        self.batch_size = max(1, batch_size)
        self.batch_wait = batch_wait
        self.pool: CleaningWorkers | None = CleaningWorkers(workers, chain.preparation)
        self._batch: list[tuple[Document, asyncio.Future]] = []  # filling up
        self._queue: deque[list[tuple[Document, asyncio.Future]]] = deque()  # full, waiting for a worker
        self._timer: asyncio.TimerHandle | None = None
        loop = asyncio.get_running_loop()
        for worker in self.pool.workers:
            loop.add_reader(worker.conn.fileno(), self._readable, worker)

    async def prepare(self, doc: Document) -> Outcome:
        if self.pool is None:
            return self._here(doc, "the cleaning workers are stopped")
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._batch.append((doc, waiter))
        if len(self._batch) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.batch_wait, self._flush)
        ok, result = await waiter
        return result if ok else self._here(doc, result)

    def _here(self, doc: Document, why: str) -> Outcome:
        """Slower, never lost: the story is prepared in this process."""
        self.stats.inc_value("newscrawl/cleaning_workers/fallback")
        logger.debug("cleaning %s in the crawl's process (%s)", doc.url, why)
        return self.chain.prepare(doc)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._batch = self._batch, []
        if batch:
            self._queue.append(batch)
        self._dispatch()

    def _dispatch(self) -> None:
        """Give queued batches to idle workers; with no worker left, their stories are prepared here."""
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
            except Exception as exc:  # this batch cannot travel (cannot be pickled): prepared here
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
            self._settle(batch, results)
        self._dispatch()

    def _lost(self, worker, exc: Exception) -> None:
        """A worker died (killed, out of memory): go on with the others, or without any."""
        asyncio.get_running_loop().remove_reader(worker.conn.fileno())
        worker.job = None
        self.stats.inc_value("newscrawl/cleaning_workers/lost")
        if self.pool is not None and not self.pool.live:
            logger.error("cleaning workers stopped (%s); the rest of the crawl is cleaned in its own process", exc)
            self.close()
        else:
            logger.error("%s; the other cleaning workers go on", exc)

    def close(self) -> None:
        self._flush()
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
        self._dispatch()

    @staticmethod
    def _settle(batch: list, results: list | str) -> None:
        """Hand each story of a batch its result; a string is one failure for all of them."""
        if isinstance(results, str):
            results = [(False, results)] * len(batch)
        for (_, waiter), result in zip(batch, results):
            if not waiter.done():
                waiter.set_result(result)


class CleaningPipeline:
    """Runs the cleaning chain on every story (see the module docstring)."""

    def __init__(self, crawler, chain: CleaningChain):
        self.crawler = crawler
        self.stats = crawler.stats
        self.chain = chain
        self.executor: InProcess | Workers | None = None
        self._decisions: TurnBatch[Outcome] = TurnBatch(self._decide_all)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings

        def index():  # the ledger's store opens with the spider, after the pipelines are built
            ledger = crawler.get_extension(Ledger)
            if ledger is None:  # scrapy parse / shell: nothing delivered, stories compared within the run
                return MemoryIndex(DEFAULT_SCHEME)
            return ledger.index

        chain = build_chain(step_specs(settings.get("NEWSCRAWL_STEPS")),
                            extra_rules=settings.getdict("NEWSCRAWL_EXTRA_RULES"), index=index)
        return cls(crawler, chain)

    def open_spider(self, spider=None) -> None:
        settings = self.crawler.settings
        workers = settings.getint("NEWSCRAWL_CLEANING_WORKERS")
        if workers > 0 and is_asyncio_reactor_installed():
            self.executor = Workers(self.chain, workers, settings.getint("NEWSCRAWL_CLEANING_BATCH"),
                                    settings.getfloat("NEWSCRAWL_CLEANING_BATCH_WAIT"), self.stats)
        else:
            workers = 0
            self.executor = InProcess(self.chain)
        self.stats.set_value("newscrawl/cleaning/workers", workers)
        logger.info("cleaning %s: %s", "in %d worker process%s" % (workers, "es" * (workers > 1)) if workers
                    else "in the crawl's process", ", ".join(step.name for step in self.chain.steps))

    def close_spider(self, spider=None) -> None:
        if self.executor is not None:
            self.executor.close()

    async def process_item(self, item: Any, spider=None) -> Any:
        adapter = ItemAdapter(item)
        outcome = await self.executor.prepare(document_from_item(adapter))
        if outcome.kept and self.chain.stateful:
            await self._decisions.add(outcome)  # the stories of one loop turn: one index transaction
        for rule, n in outcome.removed().items():
            self.stats.inc_value(f"newscrawl/stripped/{rule}", n)
        if "html" in adapter.field_names():
            adapter["html"] = None  # read; free it before the story waits for export
        rejection = outcome.rejection
        if rejection is not None:
            self.stats.inc_value(f"newscrawl/dropped/{rejection.reason}")
            self.stats.inc_value(f"newscrawl/steps/{outcome.step}/dropped")
            raise Rejected(rejection, outcome.step)
        update_item(adapter, outcome.doc)
        return item

    def _decide_all(self, outcomes: list[Outcome]) -> list[None]:
        """The stateful steps, for every story of the batch at once."""
        self.chain.decide(outcomes)
        return [None] * len(outcomes)
