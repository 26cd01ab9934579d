"""The chain's preparation in worker processes, beside the crawl or ``newscrawl clean``.

Why: the crawl's reactor and ``newscrawl clean``'s reader each keep one core busy,
and cleaning (shells, boilerplate, repeated passages, the near-duplicate
fingerprint) is about 1-2 ms of pure Python per story. That part reads nothing
but the document (``chain.Preparation``), so it can run in another process and
come back as an ``Outcome``; the near-duplicate *decision* cannot (it reads and
extends the shared index in order), so it stays with the caller, which takes
the fingerprint computed here only for the body it was computed on.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Callable, Iterable, Iterator

from newscrawl.cleaning.chain import Outcome, Preparation
from newscrawl.cleaning.document import Document

# --- a time budget per job ------------------------------------------------------


class TooCostly(BaseException):
    """Raised in the thread doing a job once the job is over its time budget. Not an ``Exception``:
    the code it interrupts (trafilatura, our extraction's fallbacks) catches those and goes on."""


@dataclass(frozen=True)
class OverBudget:
    """What a job gives instead of its result when it ran past its budget (and was stopped)."""

    what: str  # extraction | cleaning
    budget: float

    def describe(self) -> str:
        return f"{self.what} took more than {self.budget:g} s"


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    """Have ``exc`` raised in that thread at its next Python instruction (None: withdraw one not raised yet)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None)


def within_budget(budget: float, what: str, fn: Callable[[Any], Any], arg: Any) -> Any:
    """``fn(arg)``, or ``OverBudget`` when it is still running after ``budget`` seconds (0: no budget).

    The job is stopped where it stands: a timer raises ``TooCostly`` in the thread doing it (the
    main thread of a worker process, or the crawl's work thread), so pure-Python loops (the
    repeated-passage step, jusText's paragraph maker) end at the budget; a C call (lxml parsing a
    page) ends first. Every step is linear and the caps bound its input, so the budget is a net
    for the pages nobody foresaw, not the rule.
    """
    if not budget or budget <= 0:
        return fn(arg)
    thread = threading.get_ident()
    lock = threading.Lock()
    running = [True]

    def expire() -> None:
        with lock:
            if running[0]:
                _raise_in(thread, TooCostly)

    timer = threading.Timer(budget, expire)
    timer.daemon = True
    try:
        try:
            timer.start()
            return fn(arg)
        finally:
            timer.cancel()
            with lock:
                running[0] = False
                _raise_in(thread, None)  # one set just now, not raised yet, must not hit the next job
    except TooCostly:
        return OverBudget(what, budget)


def call(job: tuple[Callable[..., Any], tuple, dict]) -> Any:
    """``fn(*args, **kwargs)`` of a ``(fn, args, kwargs)`` job: any module-level function as a pool's job."""
    fn, args, kwargs = job
    return fn(*args, **kwargs)


# --- the pool -----------------------------------------------------------------

_preparation: Preparation = Preparation([])


def _init_worker(preparation: Preparation, watch_parent: bool = False) -> None:
    global _preparation
    _preparation = preparation
    if watch_parent:
        threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True,
                         name="newscrawl-parent-watch").start()


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    """End this worker when the process that started it is gone.

    A crawl killed with SIGKILL (a scheduler's timeout, the OOM killer) cannot
    shut its workers down; a worker busy with a long batch would only notice at
    its next read or write.
    """
    while True:
        time.sleep(every)
        if os.getppid() != parent:
            os._exit(0)


def prepare_in_worker(doc: Document) -> Outcome:
    """The pool's preparation of ``doc`` (inside a ``CleaningWorkers`` process, or ``run_here``)."""
    return _preparation(doc)


def attempt(fn: Callable[[Any], Any], arg: Any) -> tuple[bool, Any]:
    """``(True, fn(arg))``, or ``(False, the error as text)``: one record's failure stays its own."""
    try:
        return True, fn(arg)
    except Exception as exc:  # reported by the caller for this record only
        return False, f"{type(exc).__name__}: {exc}"


def _run_batch(fn: Callable[[Any], Any], batch: list[Any]) -> list[tuple[bool, Any]]:
    return [attempt(fn, arg) for arg in batch]


def default_workers() -> int:
    """One worker per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class WorkerLost(Exception):
    """A worker process ended (killed, out of memory) or its pipe broke."""


@dataclass(eq=False)
class Worker:
    """One spawned process and our end of its pipe; ``job`` is what it is working on, if anything."""

    process: Any
    conn: Connection
    job: Any = None
    alive: bool = True

    @property
    def idle(self) -> bool:
        return self.alive and self.job is None

    def describe(self) -> str:
        code = self.process.exitcode
        return f"cleaning worker {self.process.pid} " + (f"exited with code {code}" if code is not None else "lost its pipe")


def _serve(conn: Connection, preparation: Preparation) -> None:
    """A worker's life: a batch in, its results out, until the pipe closes."""
    _init_worker(preparation, watch_parent=True)
    while True:
        try:
            fn, batch = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_run_batch(fn, batch))


class CleaningWorkers:
    """Spawned processes, each with its own pipe, running functions over batches with fixed steps.

    Why not ``concurrent.futures``: its workers share one result pipe, and a worker
    killed while writing a result leaves half a message there; the pool's reader
    then waits for the rest forever and the crawl hangs (CPython 3.11). With a
    pipe per worker, a dead worker is an end of file on its own pipe: its batch
    is handed back to the caller, nothing waits for it.

    A worker gets one batch at a time, so a send never waits on a busy worker.
    Processes are spawned (not forked): the crawl's process holds a reactor,
    threads and open stores that a fork would copy half-way.
    """

    def __init__(self, workers: int, preparation: Preparation):
        context = multiprocessing.get_context("spawn")
        self.preparation = preparation
        self.broken: str | None = None  # why a worker was lost, if one was
        self.workers: list[Worker] = []
        for _ in range(max(1, workers)):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, preparation), daemon=True,
                                      name="newscrawl-cleaning")
            process.start()
            theirs.close()
            self.workers.append(Worker(process, ours))

    @property
    def live(self) -> list[Worker]:
        return [w for w in self.workers if w.alive]

    def idle_worker(self) -> Worker | None:
        return next((w for w in self.workers if w.idle), None)

    def send(self, worker: Worker, fn: Callable[[Any], Any], batch: list[Any], job: Any) -> None:
        """Give ``batch`` to an idle worker. ``WorkerLost`` if it is gone; another exception if
        the batch cannot be sent at all (it cannot be pickled): then the worker stays idle."""
        try:
            worker.conn.send((fn, batch))
        except (OSError, EOFError) as exc:
            self.lose(worker, exc)
            raise WorkerLost(worker.describe()) from exc
        worker.job = job

    def receive(self, worker: Worker) -> tuple[Any, list[tuple[bool, Any]]]:
        """The worker's job and its results (blocks until they are here). ``WorkerLost`` if it died;
        the job is then still on ``worker.job`` for the caller to redo."""
        try:
            results = worker.conn.recv()
        except (OSError, EOFError) as exc:
            self.lose(worker, exc)
            raise WorkerLost(worker.describe()) from exc
        job, worker.job = worker.job, None
        return job, results

    def lose(self, worker: Worker, exc: BaseException) -> None:
        """Mark a worker gone (its pipe is closed by ``close``, after the caller stopped watching it)."""
        if worker.alive:
            worker.alive = False
            worker.process.join(timeout=1)
            self.broken = self.broken or f"{worker.describe()} ({type(exc).__name__})"

    def run_here(self, fn: Callable[[Any], Any], batch: list[Any]) -> list[tuple[bool, Any]]:
        """What a worker would have returned, computed in this process."""
        _init_worker(self.preparation)
        return _run_batch(fn, batch)

    def map_ordered(self, fn: Callable[[Any], Any], items: Iterable[Any], batch: int = 32) -> Iterator[tuple[Any, bool, Any]]:
        """``(item, ok, fn(item) or error text)`` for each item, in input order.

        ``fn`` must be a module-level function (it is pickled). At most two
        batches per worker are read ahead, so a huge input is never read into
        memory. A batch whose worker dies goes to another worker, or runs here
        when none is left (``broken`` says why): slower, nothing lost.
        """
        pending: deque[list[Any]] = deque()  # [chunk, results or None], oldest first
        items = iter(items)
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * max(1, len(self.live)):
                chunk = [x for _, x in zip(range(batch), items)]
                if chunk:
                    pending.append([chunk, None])
                else:
                    exhausted = True
            if not pending:
                return
            self._hand_out(fn, pending)
            head = pending[0]
            owner = next((w for w in self.live if w.job is head), None)
            if head[1] is None and owner is not None:
                try:
                    _, head[1] = self.receive(owner)
                except WorkerLost:
                    continue  # handed out again, or run here, on the next turn
                self._hand_out(fn, pending)  # keep the worker busy while the results are used
            elif head[1] is None:
                head[1] = self.run_here(fn, head[0])
            pending.popleft()
            for item, (ok, value) in zip(head[0], head[1]):
                yield item, ok, value

    def _hand_out(self, fn: Callable[[Any], Any], pending: deque[list[Any]]) -> None:
        """Give the oldest batches no worker has yet to the idle workers."""
        taken = {id(w.job) for w in self.live if w.job is not None}
        for entry in pending:
            if entry[1] is not None or id(entry) in taken:
                continue
            worker = self.idle_worker()
            if worker is None:
                return
            try:
                self.send(worker, fn, entry[0], entry)
            except WorkerLost:
                continue
            except Exception:  # cannot travel (nested too deeply to pickle...): run it here
                entry[1] = self.run_here(fn, entry[0])

    def close(self) -> None:
        """Close the pipes (each worker ends at its next read) and wait briefly; kill what lingers."""
        for worker in self.workers:
            worker.conn.close()
        for worker in self.workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
            worker.alive = False
