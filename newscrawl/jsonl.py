"""JSON lines written so that every reader can read them back, one unbuffered write each.

Kept apart from ``feeds`` (Scrapy's feed storage) so that ``newscrawl clean`` and its
worker processes write JSONL without importing Scrapy.
"""

from __future__ import annotations

import errno
import json
import math
import os
from pathlib import Path
from typing import IO, Any


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
    so the line stays valid UTF-8 and valid JSON instead of failing the write. U+0085, U+2028 and
    U+2029 are escaped too, so the line is one line for every reader.
    """
    try:
        text = json.dumps(record, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        text = json.dumps(_finite(record), ensure_ascii=False, allow_nan=False, default=str)
    if not text.isascii():  # breaks that str.splitlines() and JavaScript split on
        for char, escape in _LINE_BREAKS:
            if char in text:
                text = text.replace(char, escape)
    return (text + "\n").encode("utf-8", errors="backslashreplace")


# Replaced one by one: str.translate with a dict costs a dict lookup per character
# (0.6 ms on a 12 KB record, more than the whole cleaning chain).
_LINE_BREAKS = (("\x85", "\\u0085"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


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
        try:
            self._file.write(dumps_line(record))
        except OSError as exc:
            raise OSError(exc.errno, f"cannot write {self.path}: {exc.strerror or exc}") from exc
        self.count += 1

    def close(self) -> None:
        if self._file is not None:
            try:
                os.fsync(self._file.fileno())
            except OSError as exc:
                if exc.errno not in (errno.EINVAL, errno.ENOTSUP):  # a device or pipe: nothing to sync
                    raise OSError(exc.errno, f"cannot write {self.path}: {exc.strerror or exc}") from exc
            finally:
                self._file.close()
                self._file = None

    def __enter__(self) -> "JsonlWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
