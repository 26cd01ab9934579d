"""The one cleaning pipeline: ``NEWSCRAWL_STEPS`` on every story, in the crawl's process or in workers.

``CleaningPipeline`` builds the chain (``newscrawl.steps``: the same list
``newscrawl clean`` and the datatrove steps run), hands each story's
preparation (the steps that read only the story, and the near-duplicate
fingerprint) to an executor, then decides near-duplicates here, in order, the
stories of one turn of the event loop in one index transaction. It counts
what each step removed (``newscrawl/stripped/<rule>``) and dropped
(``newscrawl/dropped/<reason>``, ``newscrawl/steps/<step>/dropped``) and
raises ``Rejected``, which the ledger writes to the rejects file.

Executors, one interface (``run(kind, arg)`` -> awaitable ``(ok, result)``, where a
job's kind is ``extract`` (a page into an ``Article``, asked by the spider, see
``extract``) or ``prepare`` (a story's preparation)): ``InProcess`` runs jobs in
one thread of the crawl's process; ``Workers`` sends them to
``NEWSCRAWL_CLEANING_WORKERS`` processes in small batches
(``NEWSCRAWL_CLEANING_BATCH`` stories, or after ``NEWSCRAWL_CLEANING_BATCH_WAIT``
seconds): on loopback or a fast site the crawl's one process is busy with the
reactor and parsing, and 2 ms of cleaning per story there slowed the crawl by
a third. A worker that dies costs nothing but speed: its jobs are run here, in
the thread (``newscrawl/cleaning_workers/fallback``). Either way the reactor
never runs a story's extraction or cleaning itself, so one heavy page does not
stop the crawl from fetching.

Bounds (issue 16): a job over ``NEWSCRAWL_STORY_TIME_BUDGET`` seconds is stopped
and its story dropped as ``too_costly`` (a rejects line; never fetched again);
the chain reads a story up to its caps (``NEWSCRAWL_STORY_MAX_PARAGRAPHS``,
``_MAX_WORDS``, ``_MAXSIZE`` characters of HTML) and cuts the rest, counted
(``newscrawl/capped/<what>``) and logged.

Truncated stories (``truncated: true``, see ``newscrawl.delivery``) are indexed
under their mark; a complete story whose near-duplicate is such a copy takes
its place in the index instead of being rejected, and says so (``replaces``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import Any, Callable

from itemadapter import ItemAdapter
from scrapy.utils.reactor import is_asyncio_reactor_installed

from newscrawl.batching import TurnBatch
from newscrawl.cleaning.chain import CAP_REASONS, Caps, CleaningChain, Outcome
from newscrawl.cleaning.document import Document, Rejection, split_paragraphs
from newscrawl.cleaning.workers import (CleaningWorkers, OverBudget, WorkerLost, attempt, call, prepare_in_worker,
                                        within_budget)
from newscrawl.delivery import truncated_key, truncated_of
from newscrawl.extraction import extract_article
from newscrawl.items import Article
from newscrawl.cleaning.neardup import DEFAULT_SCHEME
from newscrawl.ledger import Ledger, Rejected
from newscrawl.steps import build_chain, step_specs
from newscrawl.store import NearDupIndex
from newscrawl.store.memory import MemoryIndex

logger = logging.getLogger(__name__)


def document_from_item(adapter: ItemAdapter) -> Document:
    """The story as the chain reads it; a truncated one goes into the near-duplicate index under its mark."""
    story_id = adapter.get("story_id")
    return Document(
        paragraphs=split_paragraphs(adapter.get("body") or ""),
        id=truncated_key(story_id) if story_id and adapter.get("truncated") else story_id,
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


def jobs(chain: CleaningChain, budget: float, in_worker: bool) -> dict[str, Any]:
    """What each kind of job runs, within the story's budget: in a worker process the preparation is
    the one the pool was started with (``prepare_in_worker``), here the chain's own."""
    prepare = prepare_in_worker if in_worker else chain.prepare
    return {"prepare": partial(within_budget, budget, "cleaning", prepare),
            "extract": partial(within_budget, budget, "extraction", call)}


class InProcess:
    """Runs jobs in one thread of the crawl's process: the reactor goes on fetching meanwhile (without
    an asyncio reactor, where no thread can be awaited, at once)."""

    def __init__(self, chain: CleaningChain, budget: float):
        self.jobs = jobs(chain, budget, in_worker=False)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newscrawl-work") \
            if is_asyncio_reactor_installed() else None

    async def run(self, kind: str, arg: Any) -> tuple[bool, Any]:
        if self._thread is None:
            return attempt(self.jobs[kind], arg)
        return await asyncio.get_running_loop().run_in_executor(self._thread, attempt, self.jobs[kind], arg)

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=False)


class Workers:
    """Runs jobs in worker processes, in batches, each worker on its own pipe watched by the event loop."""

    def __init__(self, chain: CleaningChain, budget: float, workers: int, batch_size: int, batch_wait: float,
                 stats):
        self.stats = stats
        self.batch_size = max(1, batch_size)
        self.batch_wait = batch_wait
        self.jobs = jobs(chain, budget, in_worker=True)
        self.here = InProcess(chain, budget)  # for the jobs of a worker that died
        self.pool: CleaningWorkers | None = CleaningWorkers(workers, chain.preparation)
        self._batch: list[tuple[tuple, asyncio.Future]] = []  # filling up
        self._queue: deque[list[tuple[tuple, asyncio.Future]]] = deque()  # full, waiting for a worker
        self._timer: asyncio.TimerHandle | None = None
        loop = asyncio.get_running_loop()
        for worker in self.pool.workers:
            loop.add_reader(worker.conn.fileno(), self._readable, worker)

    async def run(self, kind: str, arg: Any) -> tuple[bool, Any]:
        if self.pool is None:
            return await self._here(kind, arg, "the cleaning workers are stopped")
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._batch.append(((self.jobs[kind], (arg,), {}), waiter))
        if len(self._batch) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.batch_wait, self._flush)
        ok, result = await waiter
        return (ok, result) if ok else await self._here(kind, arg, result)

    async def _here(self, kind: str, arg: Any, why: str) -> tuple[bool, Any]:
        """Slower, never lost: the job runs in this process (its thread)."""
        self.stats.inc_value("newscrawl/cleaning_workers/fallback")
        logger.debug("%s job run in the crawl's process (%s)", kind, why)
        return await self.here.run(kind, arg)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._batch = self._batch, []
        if batch:
            self._queue.append(batch)
        self._dispatch()

    def _dispatch(self) -> None:
        """Give queued batches to idle workers; with no worker left, their jobs are run here."""
        while self._queue:
            if self.pool is None:
                self._settle(self._queue.popleft(), "the cleaning workers are stopped")
                continue
            worker = self.pool.idle_worker()
            if worker is None:
                return
            batch = self._queue.popleft()
            try:
                self.pool.send(worker, call, [job for job, _ in batch], batch)
            except WorkerLost as exc:
                self._lost(worker, exc)
                self._queue.appendleft(batch)
            except Exception as exc:  # this batch cannot travel (cannot be pickled): run here
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
            self._stop()
        else:
            logger.error("%s; the other cleaning workers go on", exc)

    def close(self) -> None:
        self._stop()
        self.here.close()

    def _stop(self) -> None:
        """No worker any more: what is queued, and every later job, runs here."""
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
        """Hand each job of a batch its result; a string is one failure for all of them."""
        if isinstance(results, str):
            results = [(False, results)] * len(batch)
        for (_, waiter), result in zip(batch, results):
            if not waiter.done():
                waiter.set_result(result)


class CleaningPipeline:
    """Runs the cleaning chain on every story (see the module docstring)."""

    def __init__(self, crawler, chain: CleaningChain, index: Callable[[], NearDupIndex]):
        self.crawler = crawler
        self.stats = crawler.stats
        self.chain = chain
        self._index = index  # the near-duplicate index the chain decides against
        self.executor: InProcess | Workers | None = None
        self._decisions: TurnBatch[Outcome] = TurnBatch(self._decide_all)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings

        opened: list[NearDupIndex] = []

        def index() -> NearDupIndex:  # the ledger's store opens with the spider, after the pipelines are built
            if not opened:
                ledger = crawler.get_extension(Ledger)
                # scrapy parse / shell run without the ledger: stories are compared within the run
                opened.append(ledger.index if ledger is not None else MemoryIndex(DEFAULT_SCHEME))
            return opened[0]

        chain = build_chain(step_specs(settings.get("NEWSCRAWL_STEPS")),
                            extra_rules=settings.getdict("NEWSCRAWL_EXTRA_RULES"), index=index)
        return cls(crawler, chain, index)

    def open_spider(self, spider=None) -> None:
        settings = self.crawler.settings
        caps = Caps(html_chars=settings.getint("NEWSCRAWL_STORY_MAXSIZE"),
                    paragraphs=settings.getint("NEWSCRAWL_STORY_MAX_PARAGRAPHS"),
                    words=settings.getint("NEWSCRAWL_STORY_MAX_WORDS"))
        self.chain.preparation = replace(self.chain.preparation, caps=caps)
        budget = settings.getfloat("NEWSCRAWL_STORY_TIME_BUDGET")
        workers = settings.getint("NEWSCRAWL_CLEANING_WORKERS")
        if workers > 0 and is_asyncio_reactor_installed():
            self.executor = Workers(self.chain, budget, workers, settings.getint("NEWSCRAWL_CLEANING_BATCH"),
                                    settings.getfloat("NEWSCRAWL_CLEANING_BATCH_WAIT"), self.stats)
        else:
            workers = 0
            self.executor = InProcess(self.chain, budget)
        self.stats.set_value("newscrawl/cleaning/workers", workers)
        logger.info("cleaning %s: %s", "in %d worker process%s" % (workers, "es" * (workers > 1)) if workers
                    else "in the crawl's process", ", ".join(step.name for step in self.chain.steps))

    def close_spider(self, spider=None) -> None:
        if self.executor is not None:
            self.executor.close()

    async def extract(self, url: str, html: str, *, http_status: int, site) -> Article | OverBudget:
        """The page's ``Article``, extracted off the reactor within the story's budget (the spider asks)."""
        ok, result = await self.executor.run("extract", (extract_article, (url, html),
                                                         {"http_status": http_status, "site": site}))
        if not ok:
            raise RuntimeError(f"extraction of {url} failed: {result}")
        return result

    async def process_item(self, item: Any, spider=None) -> Any:
        adapter = ItemAdapter(item)
        if adapter.get("too_costly"):  # the spider's extraction ran out of time
            self._drop(adapter, Rejection("too_costly", adapter["too_costly"]), "extraction")
        ok, outcome = await self.executor.run("prepare", document_from_item(adapter))
        if not ok:
            raise RuntimeError(f"cleaning failed: {outcome}")
        if isinstance(outcome, OverBudget):
            self._drop(adapter, Rejection("too_costly", outcome.describe()), "cleaning")
        if outcome.kept and self.chain.stateful:
            if adapter.get("replaces"):  # its own truncated copy, delivered by an earlier run, leaves the index
                self._index().remove(truncated_key(adapter["replaces"]))
            replaced = await self._decisions.add(outcome)  # the stories of one loop turn: one index transaction
            if replaced:
                adapter["replaces"] = replaced
        removed = outcome.removed()
        for rule, n in removed.items():
            self.stats.inc_value(f"newscrawl/stripped/{rule}", n)
        self._capped(adapter, removed)
        if "html" in adapter.field_names():
            adapter["html"] = None  # read; free it before the story waits for export
        rejection = outcome.rejection
        if rejection is not None:
            self._drop(adapter, rejection, outcome.step)
        update_item(adapter, outcome.doc)
        return item

    def _drop(self, adapter: ItemAdapter, rejection: Rejection, step: str | None):
        if truncated_of(rejection.duplicate_of):  # a truncated copy is named by its story's key
            rejection = replace(rejection, duplicate_of=truncated_of(rejection.duplicate_of))
        self.stats.inc_value(f"newscrawl/dropped/{rejection.reason}")
        self.stats.inc_value(f"newscrawl/steps/{step}/dropped")
        if rejection.reason == "too_costly":
            logger.warning("story %s dropped: %s (NEWSCRAWL_STORY_TIME_BUDGET)", adapter.get("url"), rejection.detail)
        if "html" in adapter.field_names():
            adapter["html"] = None
        raise Rejected(rejection, step)

    def _capped(self, adapter: ItemAdapter, removed) -> None:
        """A story cut at the caps: counted per cap, and said once in the log."""
        cuts = {reason: removed[reason] for reason in CAP_REASONS if removed.get(reason)}
        if not cuts:
            return
        for reason in cuts:
            self.stats.inc_value(f"newscrawl/capped/{reason.removeprefix('capped_')}")
        left_out = ", ".join(f"{n} {reason.removeprefix('capped_')}" for reason, n in cuts.items())
        logger.info("story %s cut at the caps (NEWSCRAWL_STORY_MAX_PARAGRAPHS, _MAX_WORDS, _MAXSIZE): %s left out",
                    adapter.get("url"), left_out)

    def _decide_all(self, outcomes: list[Outcome]) -> list[str | None]:
        """The stateful steps, for every story of the batch at once; for each, the key of the truncated copy
        it replaces, if any."""
        self.chain.decide(outcomes)
        return [self._replacing(o) for o in outcomes]

    def _replacing(self, outcome: Outcome, tries: int = 3) -> str | None:
        """A complete story found to near-duplicate a truncated copy takes its place: the copy leaves the
        index and the story is decided again (against the stories of its batch decided before it too)."""
        replaced = None
        for _ in range(tries):
            rejection = outcome.rejection
            copy = truncated_of(rejection.duplicate_of) if rejection and rejection.reason == "near_duplicate" else None
            if copy is None or truncated_of(outcome.doc.id) is not None:
                break
            self._index().remove(rejection.duplicate_of)
            outcome.results.pop()
            self.chain.decide([outcome])
            replaced = copy
        return replaced if outcome.kept else None
