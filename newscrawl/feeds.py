"""Feed files that survive a crash: every exported line reaches the OS at once.

Scrapy's ``FileFeedStorage`` opens feeds buffered, so a SIGKILL loses the last
few kilobytes of lines and the state store cannot tell which stories really
made it. ``DurableFileFeedStorage`` opens them unbuffered (one ``write`` per
line) and fsyncs on close; ``JsonlWriter`` does the same for the rejects file.
A story is marked handled only after its line is written (see ``state``).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import IO, Any

from scrapy.extensions.feedexport import FileFeedStorage


class DurableFileFeedStorage(FileFeedStorage):
    def open(self, spider) -> IO[bytes]:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open(self.write_mode, buffering=0)

    def store(self, file: IO[bytes]):
        try:
            file.flush()
            os.fsync(file.fileno())
        except (OSError, ValueError):
            pass  # already closed or not a real file: nothing more to make durable
        file.close()
        return None


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities (not JSON) replaced by None, at any depth."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def dumps_line(record: dict[str, Any]) -> bytes:
    """One JSON line: UTF-8, no raw newlines (json escapes them), never a NaN (written as null).

    A lone surrogate (from a ``\\ud800`` escape in some input) is written as its JSON escape,
    so the line stays valid UTF-8 and valid JSON instead of failing the write.
    """
    try:
        text = json.dumps(record, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        text = json.dumps(_finite(record), ensure_ascii=False, allow_nan=False, default=str)
    return (text + "\n").encode("utf-8", errors="backslashreplace")


class JsonlWriter:
    """Append-only JSONL file, opened on first write, one unbuffered write per record."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._file: IO[bytes] | None = None
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("ab", buffering=0)
        self._file.write(dumps_line(record))
        self.count += 1

    def close(self) -> None:
        if self._file is not None:
            try:
                os.fsync(self._file.fileno())
            finally:
                self._file.close()
                self._file = None

    def __enter__(self) -> "JsonlWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
