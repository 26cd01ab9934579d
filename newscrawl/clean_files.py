"""``newscrawl clean``: the crawl's cleaning chain over files users already have.

Records are read in order (``inputs``), turned into ``Document``s (HTML records
are extracted first with the site's extractor, or the generic one), cleaned by
the same steps the pipelines run, and written in input order: kept records to
``--output`` with the cleaned ``body`` and the fields found, rejected ones to
``--rejects`` with ``reason`` and ``duplicate_of``.

A web archive's pages (``newscrawl.archives``) travel to the worker processes
as references (file, offset): each worker reads and extracts its pages from
the archive itself, so no page's HTML crosses a pipe, and sends back the story
record (the crawl's fields, ``warc_record_id``, ``warc_file``) with its outcome.

Delivery is the crawl's (``newscrawl.delivery``): each record is claimed by its
key (its ``story_id``/``id``, else its URL, else its cleaned words), so a repeat
of a record already seen (in this run, or, with ``--state``, in an earlier one)
is rejected as ``duplicate``. Both files are written beside their targets
under temporary names and renamed at the end: a run that dies leaves the
targets as they were, its claims are settled by the next run (nothing of it
was delivered), and the same command again gives the same files.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, TextIO

from newscrawl.archives.reader import read_page
from newscrawl.archives.stories import page_key, story_record
from newscrawl.cleaning.chain import CleaningChain, Outcome, StepResult
from newscrawl.cleaning.document import Document, Rejection
from newscrawl.cleaning.neardup import DEFAULT_SCHEME, content_key
from newscrawl.cleaning.workers import CleaningWorkers, attempt, default_workers, prepare_in_worker
from newscrawl.delivery import Delivery, new_run_id, process_alive, story_key
from newscrawl.inputs import InputRecord, Problem, content_bytes, iter_records, total_bytes
from newscrawl.jsonl import JsonlWriter
from newscrawl.sites import site_for, site_named
from newscrawl.steps import DEFAULT_STEPS, build_chain
from newscrawl.store import Stores, memory_stores, open_stores
from newscrawl.store.base import StoreError

FOUND_FIELDS = ("title", "provider", "published")
CHUNK = 64  # records claimed, checked for near-duplicates and written together
# Records handed to a worker at once: small, so the last batches of a run keep both cores busy
# (a page takes 5-25 ms to extract; an archive page travels as a reference of a few bytes).
BATCH = 8
DEFAULT_RETENTION_DAYS = 365.0


class CleanUsageError(ValueError):
    """The command as given cannot run (an output that is also an input...): exit 2."""


@dataclass
class CleanReport:
    read: int = 0
    kept: int = 0
    rejected: Counter = field(default_factory=Counter)
    stripped: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0  # records or files that could not be read
    recovered: str | None = None  # what the run found of an interrupted one
    workers: int = 0  # worker processes that ran the steps (0: all in this process)

    @property
    def exit_status(self) -> int:
        """0: everything read; 3: some input was skipped (see the messages)."""
        return 3 if self.skipped else 0


def document_from_record(record: dict[str, Any]) -> Document:
    """A record's text, or its extracted page when it only has HTML."""
    ident = record.get("story_id") or record.get("id")
    fields = dict(
        id=str(ident) if ident not in (None, "") else None,
        url=record.get("url") if isinstance(record.get("url"), str) else None,
        title=record.get("title") if isinstance(record.get("title"), str) else None,
        html=record.get("html") if isinstance(record.get("html"), str) else None,
        source=record.get("source") if isinstance(record.get("source"), str) else "generic",
    )
    text = next((record[f] for f in ("text", "body") if isinstance(record.get(f), str) and record[f]), None)
    if text is not None:
        return Document.from_text(text, **fields)
    from newscrawl.extraction import extract_article  # only HTML records pay for the extractors

    url = fields["url"] or ""
    site = site_named(fields["source"]) if fields["source"] != "generic" else site_for(url)
    article = extract_article(url, fields["html"] or "", site=site)
    doc = Document.from_text(article.body, **fields)
    doc.title = doc.title or article.title
    doc.provider = article.provider
    doc.published = article.published
    if article.source:
        doc.source = article.source
    doc.extraction = article.extraction
    return doc


def document_from_story(record: dict[str, Any]) -> Document:
    """An archive page's extracted story (``archives.stories.story_record``) as a Document; its
    ``html`` goes to the document (for the shell step), never to the output."""
    doc = Document.from_text(record.get("body") or "", id=record.get("story_id"), url=record.get("url"),
                             title=record.get("title"), provider=record.get("provider"),
                             published=record.get("published"), html=record.pop("html", None),
                             http_status=record.get("http_status"), source=record.get("source") or "generic")
    doc.extraction = record.get("extraction")
    return doc


class Progress:
    """How far the run is: a bar (total, rate, ETA) on a terminal, a line every few seconds elsewhere.

    Progress is counted in bytes of input (known before reading; records are not), so the rate is
    in bytes and the ETA holds for JSONL, captures and archives alike; the records read, kept and
    rejected ride along.
    """

    def __init__(self, stream: TextIO, total: int, every: float = 5.0):
        self.stream = stream
        self.every = every
        self.total = total
        self.start = self.last = time.monotonic()
        self.bar = None
        if _is_terminal(stream):
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=stream,
                            desc="clean", dynamic_ncols=True, mininterval=0.5)

    def tick(self, report: CleanReport, read_to: int) -> None:
        counts = f"{report.read} read, {report.kept} kept, {sum(report.rejected.values())} rejected"
        if self.bar is not None:
            self.bar.update(max(0, min(read_to, self.total) - self.bar.n))
            self.bar.set_postfix_str(counts, refresh=False)
            return
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            elapsed = max(now - self.start, 1e-9)
            share = read_to / self.total if self.total else 0.0
            eta = f", about {_duration(elapsed / share - elapsed)} left" if 0 < share < 1 else ""
            print(f"clean: {counts} ({report.read / elapsed:.0f} records/s; {share:.0%} of "
                  f"{self.total / 1e6:.1f} MB{eta})", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


def prepare_here(item: InputRecord, prepare) -> tuple[dict[str, Any] | None, Outcome]:
    """``(record, outcome)``: an archive page read from its file and extracted (its story record),
    else the record as given (None: unchanged); ``prepare`` runs the chain's preparation."""
    if item.page is not None:
        page = read_page(item.page)
        item.page.html = None  # read: the record need not hold the page any longer
        record = story_record(page)
        return record, prepare(document_from_story(record))
    return None, prepare(document_from_record(item.record))


def prepare_record(item: InputRecord) -> tuple[dict[str, Any] | None, Outcome]:
    """In a worker process: ``prepare_here`` with the pool's preparation."""
    return prepare_here(item, prepare_in_worker)


def check_paths(inputs: list[str], output: Path, rejects: Path) -> None:
    """``CleanUsageError`` when an output would be read as an input (the run would read what it
    writes) or both outputs are one file."""
    targets = {"--output": output.resolve(), "--rejects": rejects.resolve()}
    if targets["--output"] == targets["--rejects"]:
        raise CleanUsageError(f"--output and --rejects are the same file: {output}")
    for item in inputs:
        source = Path(item).resolve()
        for option, target in targets.items():
            if target == source:
                raise CleanUsageError(f"{option} {target} is also an input; write it elsewhere")
            if source.is_dir() and source in target.parents:
                raise CleanUsageError(f"{option} {target} is inside the input directory {source}, which the next "
                                      "run would read as input; write it elsewhere")


class StagedFile:
    """A JSONL output written under a temporary name beside its target, renamed over it by ``commit``.

    A target that exists and is not a regular file (``/dev/stdout``, a pipe, a device) is written
    to directly: it cannot be replaced, and a stream has nothing to roll back.
    """

    def __init__(self, target: Path, run: str):
        self.target = target
        self.direct = target.exists() and not target.is_file()
        self.tmp = target if self.direct else target.with_name(f".{target.name}.{run}.{os.getpid()}.tmp")
        self.writer = JsonlWriter(self.tmp)
        if not self.direct:
            self._remove_stale()

    def _remove_stale(self) -> None:
        """Temporary files of earlier runs of this output whose process is gone (killed mid-run)."""
        prefix = f".{self.target.name}."
        try:
            names = os.listdir(self.target.parent)
        except OSError:
            return
        for name in names:
            if not (name.startswith(prefix) and name.endswith(".tmp")):
                continue
            pid = name[:-len(".tmp")].rsplit(".", 1)[-1]
            if pid.isdigit() and not process_alive(int(pid)):
                (self.target.parent / name).unlink(missing_ok=True)

    def write(self, record: dict[str, Any]) -> None:
        self.writer.write(record)

    def commit(self) -> None:
        if self.direct:
            self.writer.close()
            return
        if self.writer.count == 0:  # an empty output is still an output: the file says "nothing"
            self.tmp.parent.mkdir(parents=True, exist_ok=True)
            self.tmp.touch()
        self.writer.close()
        os.replace(self.tmp, self.target)
        _sync_dir(self.target.parent)

    def abandon(self) -> None:
        try:
            self.writer.close()
        except OSError:
            pass
        if not self.direct:
            self.tmp.unlink(missing_ok=True)


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def open_state(state: Path, spider: str | None) -> tuple[Stores, Path]:
    """The store ``--state`` names: a ``.sqlite3`` file, or a directory and ``--spider`` (a crawl's
    store: ``--state data/state --spider menafn``); and where its identity is recorded."""
    if state.suffix == ".sqlite3" or state.is_file():
        from newscrawl.store import open_sqlite_file

        return open_sqlite_file(state, scheme=DEFAULT_SCHEME), state.with_name(f"{state.stem}.identity.json")
    name = spider or "clean"
    return open_stores(name, state_dir=state, scheme=DEFAULT_SCHEME), state / f"{name}.identity.json"


def run_clean(
    inputs: list[str],
    output: Path,
    rejects: Path,
    state_dir: Path | None = None,
    extra_rules: dict | None = None,
    stderr: TextIO = sys.stderr,
    jobs: int | None = None,
    spider: str | None = None,
    retention_days: float = DEFAULT_RETENTION_DAYS,
    steps=DEFAULT_STEPS,
    hosts: list[str] | None = None,
) -> CleanReport:
    """Clean ``inputs`` into ``output`` and ``rejects``.

    ``jobs`` worker processes run the steps that read only the record (extraction,
    shells, boilerplate, passages, the near-duplicate fingerprint); this process reads,
    claims, decides near-duplicates in input order and writes. ``None``: one per core
    (none for inputs under ``WORKERS_MIN_BYTES``);
    0: everything in this process. ``state_dir`` (a directory, with ``spider``, or a
    ``.sqlite3`` file) is the store to dedup against and extend. ``steps``: the
    ``NEWSCRAWL_STEPS`` list. ``hosts``: only archive pages of these hosts.
    """
    output, rejects = Path(output), Path(rejects)
    check_paths(inputs, output, rejects)
    report = CleanReport()

    def on_problem(problem: Problem) -> None:
        report.problems.append(problem)
        if problem.skipped:
            report.skipped += 1
        print(f"clean: {problem}", file=stderr)

    jobs = report.workers = default_jobs(inputs) if jobs is None else jobs
    if state_dir is not None:
        stores, identity = open_state(Path(state_dir), spider)
    else:
        stores, identity = memory_stores(DEFAULT_SCHEME), None
    run = new_run_id()
    delivery = Delivery(stores, run, kind="clean", spider=spider or "clean", identity_record=identity,
                        retention_days=retention_days)
    pool = None
    kept_out = rejects_out = None
    try:
        recovery = delivery.start(feeds=[str(output.resolve())], rejects=str(rejects.resolve()), handled_reasons=None)
        if recovery.done or recovery.refetch:
            report.recovered = recovery.describe()
            print(f"clean: {report.recovered}", file=stderr)
        chain = build_chain(steps, extra_rules=extra_rules, index=stores.index)
        pool = CleaningWorkers(jobs, chain.preparation) if jobs > 0 else None
        kept_out, rejects_out = StagedFile(output, run), StagedFile(rejects, run)
        progress = Progress(stderr, total_bytes(inputs))
        records = iter_records(inputs, on_problem, hosts=hosts, read_ahead=pool is None)
        prepared = (pool.map_ordered(prepare_record, records, batch=BATCH) if pool else
                    ((item, *attempt(_prepared_here(chain), item)) for item in records))
        try:
            for chunk in _chunks(prepared, CHUNK):
                _write_chunk(chunk, chain, delivery, kept_out, rejects_out, report, on_problem)
                progress.tick(report, chunk[-1][0].read_to)
        finally:
            progress.close()
        kept_out.commit()
        rejects_out.commit()
        delivery.done(sorted(delivery.claimed))
        delivery.finish()
        if pool and pool.broken:
            print(f"clean: cleaning worker processes stopped ({pool.broken}); their records were cleaned "
                  "again by the other workers or in this process", file=stderr)
    except BaseException:
        for staged in (kept_out, rejects_out):
            if staged is not None:
                staged.abandon()
        if delivery.claimed:  # nothing of this run was delivered
            try:
                delivery.release(sorted(delivery.claimed))
            except StoreError:
                pass  # left pending: the next run settles them
        raise
    finally:
        if pool:
            pool.close()
        stores.close()
    return report


# Each worker first starts Python and the cleaning chain (about 0.7 s of CPU); measured on the extraction
# benchmark's pages (2 cores), two workers finish first only past about 7 MB of HTML: 2 MB took 1.1 s in
# one process and 1.6 s with workers, 7 MB 2.2 s and 2.3 s, 31 MB 8.6 s and 5.6 s.
WORKERS_MIN_BYTES = 8 * 1024 * 1024


def default_jobs(inputs: list[str]) -> int:
    """Worker processes when none were asked for: one per core, none for small inputs."""
    size = content_bytes(inputs)
    return 0 if size is not None and size < WORKERS_MIN_BYTES else default_workers()


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prepared_here(chain: CleaningChain):
    return lambda item: prepare_here(item, chain.prepare)


def _record_key(item: InputRecord, doc: Document | None) -> str | None:
    """The record's identity: an archive page's from its URL; else its id or URL, else its cleaned
    words (none for an empty body)."""
    if item.page is not None:
        return page_key(item.page)
    return story_key(item.record) or (content_key(doc.paragraphs) if doc is not None and doc.paragraphs else None)


@dataclass
class Cleaned:
    """One record's outcome, as ``newscrawl clean`` writes it (and ``newscrawl.clean`` yields it)."""

    record: dict[str, Any]  # the output line: the cleaned ``body`` and the fields found, or ``reason``...
    kept: bool
    reason: str | None = None  # why it was rejected: a step's reason, ``duplicate`` or ``error``
    key: str | None = None  # what identifies it for delivery (id, URL or cleaned words)
    removed: Counter = field(default_factory=Counter)  # what the steps stripped, by rule
    error: str | None = None  # the record could not be cleaned (it is rejected with reason ``error``)


def clean_chunk(chunk: list, chain: CleaningChain, delivery: Delivery) -> list[Cleaned]:
    """Claim and decide (near-duplicates) one chunk of prepared records, in input order."""
    outcomes: list[tuple[InputRecord, Outcome | str]] = []
    for item, ok, value in chunk:
        if ok:
            record, value = value
            if record is not None:
                item.record = record
        outcomes.append((item, value if ok else f"cannot clean this record ({value})"))
    keys = [_record_key(item, o.doc if isinstance(o, Outcome) else None) for item, o in outcomes]
    claimed = iter(delivery.claim([k for k in keys if k is not None]))
    mine = [next(claimed) if k is not None else True for k in keys]
    for (item, outcome), key, ok in zip(outcomes, keys, mine):
        if isinstance(outcome, Outcome) and not ok:  # a repeat of a handled record, whatever the steps said
            outcome.results.append(StepResult("ledger", Counter(), Rejection(
                "duplicate", detail="a record with this id, URL or text was handled already", duplicate_of=key)))
    chain.decide([o for _, o in outcomes if isinstance(o, Outcome)])
    out: list[Cleaned] = []
    for (item, outcome), key in zip(outcomes, keys):
        if isinstance(outcome, str):  # one bad record must not end the run: outcome says what went wrong
            out.append(_rejected(item.record, Rejection("error", detail=outcome), key, error=outcome))
        elif outcome.rejection is not None:
            out.append(_rejected(item.record, outcome.rejection, key, outcome.removed()))
        else:
            record = dict(item.record)
            record["body"] = outcome.doc.body
            for name in FOUND_FIELDS:
                value = getattr(outcome.doc, name)
                if value and not record.get(name):
                    record[name] = value
            out.append(Cleaned(record, True, key=key, removed=outcome.removed()))
    return out


def _rejected(record: dict[str, Any], rejection: Rejection, key: str | None, removed: Counter | None = None,
              error: str | None = None) -> Cleaned:
    line = {**record, "reason": rejection.reason, "detail": rejection.detail, "duplicate_of": rejection.duplicate_of}
    return Cleaned(line, False, rejection.reason, key, removed or Counter(), error)


def _write_chunk(chunk: list, chain: CleaningChain, delivery: Delivery, kept_out: StagedFile,
                 rejects_out: StagedFile, report: CleanReport, on_problem) -> None:
    """Clean one chunk and write it, in input order."""
    for (item, _, _), cleaned in zip(chunk, clean_chunk(chunk, chain, delivery)):
        report.read += 1
        if cleaned.error is not None:
            on_problem(Problem(item.path, item.line, f"{cleaned.error}; written to rejects"))
        report.stripped.update(cleaned.removed)
        if cleaned.kept:
            kept_out.write(cleaned.record)
            report.kept += 1
        else:
            rejects_out.write(cleaned.record)
            report.rejected[cleaned.reason] += 1
