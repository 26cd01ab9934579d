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
from newscrawl.feeds import JsonlWriter
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
    text = record.get("text") or record.get("body")
    if isinstance(text, str) and text:
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


def run_clean(
    inputs: list[str],
    output: Path,
    rejects: Path,
    state_dir: Path | None = None,
    extra_rules: dict | None = None,
    stderr: TextIO = sys.stderr,
) -> CleanReport:
    report = CleanReport()

    def on_problem(problem: Problem) -> None:
        report.problems.append(problem)
        if problem.skipped:
            report.skipped += 1
        print(f"clean: {problem}", file=stderr)

    stores = open_stores("clean", state_dir=state_dir, redis_url=None, scheme=DEFAULT_SCHEME) if state_dir else None
    index = stores.index if stores else MemoryIndex(DEFAULT_SCHEME)
    chain = CleaningChain(default_steps(rules_from_settings(extra_rules), near_duplicates=NearDuplicateFilter(index)))
    progress = Progress(stderr)
    try:
        with JsonlWriter(output) as kept_out, JsonlWriter(rejects) as rejects_out:
            for item in iter_records(inputs, on_problem):
                report.read += 1
                _clean_one(item, chain, kept_out, rejects_out, report, on_problem)
                progress.tick(report)
    finally:
        if stores:
            stores.close()
    return report


def _clean_one(item: InputRecord, chain: CleaningChain, kept_out: JsonlWriter, rejects_out: JsonlWriter,
               report: CleanReport, on_problem) -> None:
    record = item.record
    try:
        doc = document_from_record(record)
        outcome = chain.clean(doc)
    except Exception as exc:  # one bad record must not end the run
        on_problem(Problem(item.path, item.line, f"cannot clean this record ({type(exc).__name__}: {exc}); written to rejects"))
        rejects_out.write({**record, "reason": "error", "detail": f"{type(exc).__name__}: {exc}"})
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
