"""The chain's pure steps in worker processes, beside the crawl or ``newscrawl clean``.

Why: the crawl's reactor and ``newscrawl clean``'s reader each keep one core busy,
and cleaning (shells, boilerplate, repeated passages, the near-duplicate
fingerprint) is about 2 ms of pure Python per story. Those steps read nothing
but the document, so they can run in another process; the near-duplicate
*decision* cannot (it reads and extends the shared index in order), so it stays
with the caller and only takes the fingerprint computed here.

``prepare`` runs the steps on a document and records each step's verdict in it
(``doc.extra["verdicts"]``); ``run_step`` then hands a recorded verdict back
instead of running the step again, so the chain and the pipelines report what
each step did exactly as when they run it themselves. A fingerprint is taken
only for the body it was computed on (checked by digest).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator

from newscrawl.cleaning.document import Document, Rejection, Step
from newscrawl.cleaning.neardup import DEFAULT_SCHEME, FINGERPRINT_KEY, MinHashScheme, body_digest, fingerprint

Verdict = tuple[Counter, Rejection | None]  # what the step removed, and its rejection


def run_step(step: Step, doc: Document) -> Verdict:
    """What ``step`` does to ``doc``: run it, or take the verdict ``prepare`` recorded for it."""
    verdicts = doc.extra.get("verdicts")
    if verdicts and step.name in verdicts:
        return verdicts.pop(step.name)
    before = Counter(doc.removed)
    rejection = step(doc)
    return doc.removed - before, rejection


def prepare(doc: Document, steps: Iterable[Step], scheme: MinHashScheme | None = DEFAULT_SCHEME) -> Document:
    """Run ``steps`` in order (stopping at a rejection), record their verdicts, and fingerprint
    the body that is left for the near-duplicate step when ``scheme`` is given.

    The raw page is dropped afterwards: only shell detection reads it, and it would
    otherwise travel back to the caller.
    """
    verdicts: dict[str, Verdict] = {}
    rejected = False
    for step in steps:
        before = Counter(doc.removed)
        rejection = step(doc)
        verdicts[step.name] = (doc.removed - before, rejection)
        if rejection is not None:
            rejected = True
            break
    if not rejected and scheme is not None:
        doc.extra[FINGERPRINT_KEY] = (body_digest(doc.paragraphs), scheme, fingerprint(doc.paragraphs, scheme))
    doc.extra["verdicts"] = verdicts
    doc.html = None
    return doc


# --- the pool -----------------------------------------------------------------

_worker_steps: list[Step] = []
_worker_scheme: MinHashScheme | None = None


def _init_worker(steps: list[Step], scheme: MinHashScheme | None, watch_parent: bool = False) -> None:
    global _worker_steps, _worker_scheme
    _worker_steps, _worker_scheme = steps, scheme
    if watch_parent:
        threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True,
                         name="newscrawl-parent-watch").start()


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    """End this worker when the process that started it is gone.

    A crawl killed with SIGKILL (a scheduler's timeout, the OOM killer) cannot
    shut its pool down, and a worker waiting for work never sees the queue
    close (it holds the queue's write end itself): without this it would live on.
    """
    while True:
        time.sleep(every)
        if os.getppid() != parent:
            os._exit(0)


def prepare_in_worker(doc: Document) -> Document:
    """``prepare`` with the pool's steps (only inside a ``CleaningWorkers`` process)."""
    return prepare(doc, _worker_steps, _worker_scheme)


def _run_batch(fn: Callable[[Any], Any], batch: list[Any]) -> list[tuple[bool, Any]]:
    """``fn`` over a batch; an exception is returned with its record, never lost with the batch."""
    out = []
    for arg in batch:
        try:
            out.append((True, fn(arg)))
        except Exception as exc:  # reported by the caller for this record only
            out.append((False, f"{type(exc).__name__}: {exc}"))
    return out


def default_workers() -> int:
    """One worker per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class CleaningWorkers:
    """A pool of processes running ``prepare`` with fixed steps.

    Processes are spawned (not forked): the crawl's process holds a reactor,
    threads and open stores that a fork would copy half-way.
    """

    def __init__(self, workers: int, steps: list[Step], scheme: MinHashScheme | None = DEFAULT_SCHEME):
        self.workers = workers
        self.steps, self.scheme = steps, scheme
        self.broken: BaseException | None = None  # why the pool stopped, if it did
        self.pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker, initargs=(steps, scheme, True))

    def submit(self, doc: Document) -> Future:
        return self.pool.submit(prepare_in_worker, doc)

    def submit_batch(self, docs: list[Document]) -> Future:
        """One task for several documents: a future of ``(ok, document or error text)`` per document."""
        return self.pool.submit(_run_batch, prepare_in_worker, docs)

    def map_ordered(self, fn: Callable[[Any], Any], items: Iterable[Any], batch: int = 32) -> Iterator[tuple[Any, bool, Any]]:
        """``(item, ok, fn(item) or error text)`` for each item, in input order.

        ``fn`` must be a module-level function (it is pickled). At most a few
        batches per worker are in flight, so a huge input is never read ahead
        into memory. If a worker dies (killed, out of memory), the rest runs in
        this process and ``broken`` says why: slower, nothing lost.
        """
        pending: deque[tuple[list[Any], Future | None]] = deque()
        window = 4 * self.workers
        items = iter(items)
        while True:
            while len(pending) < window:
                chunk = [x for _, x in zip(range(batch), items)]
                if not chunk:
                    break
                pending.append((chunk, self._submit_batch(fn, chunk)))
            if not pending:
                return
            chunk, future = pending.popleft()
            results = None
            if future is not None:
                try:
                    results = future.result()
                except BrokenProcessPool as exc:  # a worker died: every later batch runs here
                    self.broken = exc
                except Exception:  # this batch could not travel (a record too deeply nested to pickle...)
                    pass
            if results is None:  # run here: the same function, the same steps, nothing lost
                _init_worker(self.steps, self.scheme)
                results = _run_batch(fn, chunk)
            for item, (ok, value) in zip(chunk, results):
                yield item, ok, value

    def _submit_batch(self, fn: Callable[[Any], Any], chunk: list[Any]) -> Future | None:
        """The batch's future, or None when it must run in this process (the pool is broken)."""
        if self.broken is not None:
            return None
        try:
            return self.pool.submit(_run_batch, fn, chunk)
        except BrokenProcessPool as exc:  # a worker died while earlier batches were being read
            self.broken = exc
            return None

    def close(self, wait: bool = True, cancel_futures: bool = True) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)
