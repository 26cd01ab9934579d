"""Reading users' files for ``newscrawl clean``: JSONL records and raw captures.

Streams one record at a time so memory stays flat on large inputs. Anything
that cannot be read is reported (file and line) through ``on_problem`` and
skipped; the rest of the input is still processed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

TEXT_FIELDS = ("text", "body", "html")
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".jl"}


@dataclass
class Problem:
    path: str
    line: int | None
    message: str
    skipped: bool = True  # False: a warning only, the record was still read

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass
class InputRecord:
    record: dict
    path: str
    line: int | None  # None for one-capture text files


ProblemSink = Callable[[Problem], None]


def _decode(raw: bytes, path: str, line: int | None, on_problem: ProblemSink) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = raw.decode("cp1252", errors="replace")
        on_problem(Problem(path, line, f"not valid UTF-8 (byte {exc.start}); read as cp1252", skipped=False))
    if "\x00" in text:
        text = text.replace("\x00", "")
        on_problem(Problem(path, line, "NUL bytes removed", skipped=False))
    return text


def _is_jsonl(path: Path) -> bool:
    if path.suffix.lower() in JSONL_SUFFIXES:
        return True
    if path.suffix.lower() == ".json":
        return True
    return False


def read_jsonl(path: Path, on_problem: ProblemSink) -> Iterator[InputRecord]:
    name = str(path)
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            text = _decode(raw, name, lineno, on_problem)
            try:
                record = json.loads(text)
            except ValueError as exc:
                on_problem(Problem(name, lineno, f"invalid JSON ({exc.msg} at column {exc.colno}); skipped"))
                continue
            if not isinstance(record, dict):
                on_problem(Problem(name, lineno, f"a JSON {type(record).__name__}, not an object; skipped"))
                continue
            if not any(isinstance(record.get(f), str) and record.get(f) for f in TEXT_FIELDS):
                on_problem(Problem(name, lineno, "no text field (text, body or html); skipped"))
                continue
            yield InputRecord(record, name, lineno)


def read_capture(path: Path, on_problem: ProblemSink) -> Iterator[InputRecord]:
    """A raw page text (or HTML) file is one capture; its id is the file name."""
    name = str(path)
    text = _decode(path.read_bytes(), name, None, on_problem)
    if not text.strip():
        on_problem(Problem(name, None, "empty file; skipped"))
        return
    field = "html" if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")) else "text"
    yield InputRecord({"id": path.stem, field: text}, name, None)


def iter_paths(inputs: list[str], on_problem: ProblemSink) -> Iterator[Path]:
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for root, dirs, files in os.walk(path, onerror=lambda e: on_problem(Problem(str(e.filename), None, f"cannot read directory: {e.strerror}"))):
                dirs.sort()
                for fname in sorted(files):
                    if not fname.startswith("."):
                        yield Path(root) / fname
        elif path.exists():
            yield path
        else:
            on_problem(Problem(item, None, "no such file or directory"))


def iter_records(inputs: list[str], on_problem: ProblemSink) -> Iterator[InputRecord]:
    """Every record of every input, in order; unreadable parts reported and skipped."""
    for path in iter_paths(inputs, on_problem):
        try:
            if _is_jsonl(path):
                yield from read_jsonl(path, on_problem)
            else:
                yield from read_capture(path, on_problem)
        except OSError as exc:
            on_problem(Problem(str(path), None, f"cannot read: {exc.strerror or exc}"))
