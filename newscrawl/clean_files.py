"""``newscrawl clean``: the crawl's cleaning chain over files users already have.

Records are read in order (``inputs``), turned into ``Document``s (HTML records
are extracted first with the site's extractor, or the generic one), cleaned by
the same steps the pipelines run, and written in input order: kept records to
``--output`` with the cleaned ``body`` and the fields found, rejected ones to
``--rejects`` with ``reason`` and ``duplicate_of``.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from newscrawl.cleaning.chain import CleaningChain, default_steps
from newscrawl.cleaning.document import Document
from newscrawl.cleaning.neardup import DEFAULT_SCHEME, NearDuplicateFilter
from newscrawl.cleaning.rules import rules_from_settings
from newscrawl.cleaning.workers import CleaningWorkers, attempt, default_workers, prepare_in_worker
from newscrawl.jsonl import JsonlWriter
from newscrawl.inputs import InputRecord, Problem, iter_records
from newscrawl.store import MemoryIndex, open_stores

FOUND_FIELDS = ("title", "provider", "published")


@dataclass
class CleanReport:
    read: int = 0
    kept: int = 0
    rejected: Counter = field(default_factory=Counter)
    stripped: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0  # records or files that could not be read

    @property
    def exit_status(self) -> int:
        """0: everything read; 3: some input was skipped (see the messages)."""
        return 3 if self.skipped else 0


def document_from_record(record: dict[str, Any]) -> Document:
    """A record's text, or its extracted page when it only has HTML."""
    ident = record.get("id")
    fields = dict(
        id=str(ident) if ident is not None else None,
        url=record.get("url") if isinstance(record.get("url"), str) else None,
        title=record.get("title") if isinstance(record.get("title"), str) else None,
        html=record.get("html") if isinstance(record.get("html"), str) else None,
        source=record.get("source") if isinstance(record.get("source"), str) else "generic",
    )
    text = next((record[f] for f in ("text", "body") if isinstance(record.get(f), str) and record[f]), None)
    if text is not None:
        return Document.from_text(text, **fields)
    from newscrawl.extract import extract_article  # only HTML records pay for the extractors

    article = extract_article(fields["url"] or "", fields["html"] or "")
    doc = Document.from_text(article.body, **fields)
    doc.title = doc.title or article.title
    doc.provider = article.provider
    doc.published = article.published
    if article.source:
        doc.source = article.source
    doc.extra["extraction"] = article.extraction
    return doc


class Progress:
    """A line on stderr every few seconds for long inputs."""

    def __init__(self, stream: TextIO, every: float = 5.0):
        self.stream = stream
        self.every = every
        self.start = self.last = time.monotonic()

    def tick(self, report: CleanReport) -> None:
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            rate = report.read / max(now - self.start, 1e-9)
            print(f"clean: {report.read} read, {report.kept} kept, {sum(report.rejected.values())} rejected ({rate:.0f}/s)", file=self.stream)


def prepare_record(item: InputRecord) -> Document:
    """In a worker process: the record's document with the chain's pure steps already run."""
    return prepare_in_worker(document_from_record(item.record))


def _document_of(item: InputRecord) -> Document:
    return document_from_record(item.record)


def run_clean(
    inputs: list[str],
    output: Path,
    rejects: Path,
    state_dir: Path | None = None,
    extra_rules: dict | None = None,
    stderr: TextIO = sys.stderr,
    jobs: int | None = None,
) -> CleanReport:
    """Clean ``inputs`` into ``output`` and ``rejects``.

    ``jobs`` worker processes run the steps that read only the record (extraction,
    shells, boilerplate, passages, the near-duplicate fingerprint); this process reads,
    decides near-duplicates in input order and writes. ``None``: one per core;
    0: everything in this process.
    """
    report = CleanReport()

    def on_problem(problem: Problem) -> None:
        report.problems.append(problem)
        if problem.skipped:
            report.skipped += 1
        print(f"clean: {problem}", file=stderr)

    jobs = default_workers() if jobs is None else jobs
    stores = open_stores("clean", state_dir=state_dir, redis_url=None, scheme=DEFAULT_SCHEME) if state_dir else None
    index = stores.index if stores else MemoryIndex(DEFAULT_SCHEME)
    chain = CleaningChain(default_steps(rules_from_settings(extra_rules), near_duplicates=NearDuplicateFilter(index)))
    pool = CleaningWorkers(jobs, chain.steps[:-1], index.scheme) if jobs > 0 else None
    progress = Progress(stderr)
    try:
        with JsonlWriter(output) as kept_out, JsonlWriter(rejects) as rejects_out:
            records = iter_records(inputs, on_problem)
            prepared = (pool.map_ordered(prepare_record, records) if pool else
                        ((item, *attempt(_document_of, item)) for item in records))
            for item, ok, doc_or_error in prepared:
                report.read += 1
                _clean_one(item, ok, doc_or_error, chain, kept_out, rejects_out, report, on_problem)
                progress.tick(report)
        if pool and pool.broken:
            print(f"clean: cleaning worker processes stopped ({pool.broken}); their records were cleaned "
                  "again by the other workers or in this process", file=stderr)
    finally:
        if pool:
            pool.close()
        if stores:
            stores.close()
    return report


def _clean_one(item: InputRecord, ok: bool, doc_or_error: Document | str, chain: CleaningChain,
               kept_out: JsonlWriter, rejects_out: JsonlWriter, report: CleanReport, on_problem) -> None:
    record = item.record
    ok, outcome = attempt(chain.clean, doc_or_error) if ok else (False, doc_or_error)
    if not ok:  # one bad record must not end the run: outcome is what went wrong
        on_problem(Problem(item.path, item.line, f"cannot clean this record ({outcome}); written to rejects"))
        rejects_out.write({**record, "reason": "error", "detail": outcome})
        report.rejected["error"] += 1
        return
    report.stripped.update(outcome.doc.removed)
    if outcome.kept:
        out = dict(record)
        out["body"] = outcome.doc.body
        for name in FOUND_FIELDS:
            value = getattr(outcome.doc, name)
            if value and not out.get(name):
                out[name] = value
        kept_out.write(out)
        report.kept += 1
    else:
        rej = outcome.rejection
        rejects_out.write({**record, "reason": rej.reason, "detail": rej.detail, "duplicate_of": rej.duplicate_of})
        report.rejected[rej.reason] += 1
