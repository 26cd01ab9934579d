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
# One record (a JSONL line or a capture file) larger than this is skipped, so memory stays
# bounded whatever the input: a story is a few hundred kilobytes at most.
MAX_RECORD_BYTES = 32 * 1024 * 1024
_CHUNK = 1024 * 1024


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


def _lines(fh, limit: int) -> Iterator[bytes | None]:
    """The file's lines, each read with at most ``limit`` bytes in memory; None for a longer line
    (whose rest is skipped in chunks)."""
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:
                rest = fh.readline(_CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield raw


def read_jsonl(path: Path, on_problem: ProblemSink, max_bytes: int = MAX_RECORD_BYTES) -> Iterator[InputRecord]:
    name = str(path)
    seen_any = False
    with path.open("rb") as fh:
        for lineno, raw in enumerate(_lines(fh, max_bytes), start=1):
            seen_any = True
            if raw is None:
                on_problem(Problem(name, lineno, f"line longer than {max_bytes} bytes; skipped"))
                continue
            if not raw.strip():
                continue
            text = _decode(raw, name, lineno, on_problem)
            try:
                record = json.loads(text)
            except ValueError as exc:
                on_problem(Problem(name, lineno, f"invalid JSON ({exc.msg} at column {exc.colno}); skipped"))
                continue
            except RecursionError:
                on_problem(Problem(name, lineno, "JSON nested too deeply to read; skipped"))
                continue
            if not isinstance(record, dict):
                on_problem(Problem(name, lineno, f"a JSON {type(record).__name__}, not an object; skipped"))
                continue
            if not any(isinstance(record.get(f), str) and record.get(f) for f in TEXT_FIELDS):
                on_problem(Problem(name, lineno, "no text field (text, body or html); skipped"))
                continue
            yield InputRecord(record, name, lineno)
    if not seen_any:
        on_problem(Problem(name, None, "empty file; nothing to read", skipped=False))


def read_capture(path: Path, on_problem: ProblemSink, max_bytes: int = MAX_RECORD_BYTES) -> Iterator[InputRecord]:
    """A raw page text (or HTML) file is one capture; its id is the file name."""
    name = str(path)
    with path.open("rb") as fh:
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        on_problem(Problem(name, None, f"larger than {max_bytes} bytes; not a page capture; skipped"))
        return
    text = _decode(raw, name, None, on_problem)
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
        if not path.is_file():  # a FIFO would block the run, a device never ends, a broken link has nothing
            on_problem(Problem(str(path), None, "not a regular file (broken link, FIFO or device); skipped"))
            continue
        try:
            if _is_jsonl(path):
                yield from read_jsonl(path, on_problem)
            else:
                yield from read_capture(path, on_problem)
        except OSError as exc:
            on_problem(Problem(str(path), None, f"cannot read: {exc.strerror or exc}; skipped"))
