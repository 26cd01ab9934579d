"""Reading users' files for ``newscrawl clean``: JSONL records, raw captures and web archives.

Streams one record at a time so memory stays flat on large inputs. Anything
that cannot be read is reported (file and line) through ``on_problem`` and
skipped; the rest of the input is still processed.

What a file is comes from its first bytes, not its name: a WARC archive
(plain, or compressed record by record or as a whole) gives its pages
(``newscrawl.archives``); gzip and zstd are read through (``.jsonl.gz``,
``.jsonl.zst``); JSONL is told by its name (``.jsonl``, ``.ndjson``, ``.jl``,
``.json``, compressed or not); any other text is one capture. A file that is
none of these (binary, another compression) is an error for that file, never
a story.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterator

from newscrawl.archives.reader import ArchiveError, PageRef, compression_of, is_warc, scan
from newscrawl.archives.stories import host_filter

TEXT_FIELDS = ("text", "body", "html")
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".jl"}
# One record (a JSONL line or a capture file) larger than this is skipped, so memory stays
# bounded whatever the input: a story is a few hundred kilobytes at most.
MAX_RECORD_BYTES = 32 * 1024 * 1024
_CHUNK = 1024 * 1024
_SNIFF = 8192  # bytes looked at to tell text from binary
# Formats recognised by their first bytes, only to name them in the error.
_OTHER_FORMATS = ((b"BZh", "bzip2-compressed"), (b"\xfd7zXZ\x00", "xz-compressed"), (b"PK\x03\x04", "a ZIP archive"),
                  (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"\x04\x22\x4d\x18", "lz4-compressed"),
                  (b"%PDF-", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                  (b"GIF8", "a GIF image"), (b"\x7fELF", "a program"))
_CONTROL = bytes(c for c in range(32) if c not in b"\t\n\r\f\x1b")


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
    line: int | None  # None for one-capture text files and archive pages
    page: PageRef | None = None  # an archive's page: read (and extracted) where it is cleaned
    read_to: int = 0  # bytes of all the inputs read up to this record (progress)


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


def json_error(exc: ValueError) -> str:
    """What is wrong and where: "Expecting value at column 15", "Unterminated string starting at column 36"
    (some of json's messages end in "at" already)."""
    msg, column = getattr(exc, "msg", str(exc)), getattr(exc, "colno", None)
    if column is None:
        return msg
    return f"{msg} column {column}" if msg.endswith(" at") else f"{msg} at column {column}"


def _is_jsonl(path: Path) -> bool:
    """JSON lines by name, compressed or not: ``a.jsonl``, ``a.jsonl.gz``, ``a.ndjson.zst``..."""
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] in (".gz", ".zst"):
        suffixes = suffixes[:-1]
    return bool(suffixes) and (suffixes[-1] in JSONL_SUFFIXES or suffixes[-1] == ".json")


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


def _zstd():
    try:
        from compression import zstd  # Python 3.14
    except ImportError:
        from backports import zstd
    return zstd


def open_input(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip or zstd (told by its first bytes)."""
    raw = path.open("rb")
    kind = compression_of(raw.read(4))
    raw.seek(0)
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if kind == "zstd":
        return _zstd().ZstdFile(raw, mode="rb")
    return raw


def _head(path: Path) -> bytes:
    """The file's first bytes, decompressed (as far as they go) when it is gzip or zstd."""
    with path.open("rb") as fh:
        raw = fh.read(16 * _SNIFF)
    kind = compression_of(raw)
    if kind == "gzip":
        return zlib.decompressobj(wbits=31).decompress(raw, _SNIFF)
    if kind == "zstd":
        return _zstd().ZstdDecompressor().decompress(raw, max_length=_SNIFF)
    return raw[:_SNIFF]


def _raw_position(fh: IO[bytes]) -> int:
    """How far into the file on disk ``fh`` has read (the compressed position for a decompressing reader)."""
    inner = getattr(fh, "fileobj", None) or getattr(fh, "_fp", None) or fh
    try:
        return inner.tell()
    except (OSError, ValueError, AttributeError):
        return 0


def read_jsonl(path: Path, on_problem: ProblemSink, max_bytes: int = MAX_RECORD_BYTES,
               start: int = 0) -> Iterator[InputRecord]:
    """The JSON objects of a JSONL file (plain, gzip or zstd), one a line; ``start``: bytes of the
    inputs read before this file (progress)."""
    name = str(path)
    seen_any = False
    with open_input(path) as fh:
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
                on_problem(Problem(name, lineno, f"invalid JSON ({json_error(exc)}); skipped"))
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
            yield InputRecord(record, name, lineno, read_to=start + _raw_position(fh))
    if not seen_any:
        on_problem(Problem(name, None, "empty file; nothing to read", skipped=False))


def read_capture(path: Path, on_problem: ProblemSink, max_bytes: int = MAX_RECORD_BYTES,
                 start: int = 0) -> Iterator[InputRecord]:
    """A raw page text (or HTML) file, plain or compressed, is one capture; its id is the file name
    (without ``.gz`` / ``.zst``)."""
    name = str(path)
    with open_input(path) as fh:
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        on_problem(Problem(name, None, f"larger than {max_bytes} bytes; not a page capture; skipped"))
        return
    text = _decode(raw, name, None, on_problem)
    if not text.strip():
        on_problem(Problem(name, None, "empty file; skipped"))
        return
    field = "html" if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")) else "text"
    stem = path.stem if path.suffix.lower() not in (".gz", ".zst") else Path(path.stem).stem
    yield InputRecord({"id": stem, field: text}, name, None, read_to=start + path.stat().st_size)


def read_archive(path: Path, on_problem: ProblemSink, hosts: list[str] | None = None,
                 start: int = 0, read_ahead: bool = False) -> Iterator[InputRecord]:
    """The story pages of a WARC archive, each a reference its cleaner reads from the file itself
    (``read_ahead``: with its body, read now, for a cleaner in this process)."""
    name = str(path)
    skipped: Counter = Counter()
    wanted = host_filter(hosts)
    pages = 0
    try:
        for ref in scan(path, wanted=wanted, skipped=skipped, read_ahead=read_ahead):
            pages += 1
            record = {"url": ref.url, "warc_record_id": ref.record_id, "warc_file": name}
            yield InputRecord(record, name, None, page=ref, read_to=start + ref.offset)
    except ArchiveError as exc:
        on_problem(Problem(name, None, f"{exc}; {'the rest ' if pages else ''}skipped"))
    if pages == 0 and skipped:
        held = ", ".join(f"{n} {why}" for why, n in skipped.most_common())
        on_problem(Problem(name, None, f"no story page to read in this archive ({held})", skipped=False))


def what_is_wrong(path: Path) -> str | None:
    """Why the file is neither text, HTML, JSONL nor an archive newscrawl reads (None: it is one of them)."""
    try:
        head = _head(path)
    except (zlib.error, ValueError, _zstd().ZstdError) as exc:
        return f"cannot decompress: {exc}"
    for magic, kind in _OTHER_FORMATS:
        if head.startswith(magic):
            return f"{kind}, not text, HTML, JSONL or a WARC archive"
    if head.startswith(b"WARC/"):
        return None
    if head and sum(head.count(c) for c in _CONTROL) > len(head) // 10:
        return "binary data, not text, HTML, JSONL or a WARC archive"
    return None


def _read_file(path: Path, on_problem: ProblemSink, hosts: list[str] | None, start: int,
               read_ahead: bool) -> Iterator[InputRecord]:
    wrong = what_is_wrong(path)
    if wrong:
        on_problem(Problem(str(path), None, f"{wrong}; skipped"))
        return
    with path.open("rb") as fh:
        archive = is_warc(fh)
    if archive:
        yield from read_archive(path, on_problem, hosts, start, read_ahead)
    elif ".warc" in (s.lower() for s in path.suffixes[-2:]):
        on_problem(Problem(str(path), None, "named as a WARC archive but not one (no WARC record at its start); skipped"))
    elif _is_jsonl(path):
        yield from read_jsonl(path, on_problem, start=start)
    else:
        yield from read_capture(path, on_problem, start=start)


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


def _sizes(inputs: list[str]) -> Iterator[tuple[Path, int | None]]:
    """Each input file and its size on disk; None for what is not a regular file (a pipe, a device)."""
    for path in iter_paths(inputs, lambda problem: None):
        try:
            yield path, path.stat().st_size if path.is_file() else None
        except OSError:
            yield path, 0  # reported when it is read


def total_bytes(inputs: list[str]) -> int:
    """The size of every regular file among the inputs (what progress counts to)."""
    return sum(size or 0 for _, size in _sizes(inputs))


# gzip and zstd shrink HTML and JSONL about four times: what there is to clean, not what is on disk.
COMPRESSION_RATIO = 4


def content_bytes(inputs: list[str]) -> int | None:
    """About how many bytes the inputs hold once decompressed; None when unknown (a pipe, a device)."""
    total = 0
    for path, size in _sizes(inputs):
        if size is None:
            return None
        total += size * COMPRESSION_RATIO if path.suffix.lower() in (".gz", ".zst") else size
    return total


def iter_records(inputs: list[str], on_problem: ProblemSink, hosts: list[str] | None = None,
                 read_ahead: bool = False) -> Iterator[InputRecord]:
    """Every record of every input, in order; unreadable parts reported and skipped. ``hosts``: only
    archive pages of these hosts; ``read_ahead``: archive pages with their bodies (they are cleaned
    in this process, not by workers that read them from the file)."""
    done = 0
    for path in iter_paths(inputs, on_problem):
        if not path.is_file():  # a FIFO would block the run, a device never ends, a broken link has nothing
            on_problem(Problem(str(path), None, "not a regular file (broken link, FIFO or device); skipped"))
            continue
        try:
            yield from _read_file(path, on_problem, hosts, done, read_ahead)
        except (OSError, EOFError, zlib.error, _zstd().ZstdError) as exc:  # EOFError: a compressed file cut short
            on_problem(Problem(str(path), None, f"cannot read: {getattr(exc, 'strerror', None) or exc}; skipped"))
        try:
            done += path.stat().st_size
        except OSError:
            pass
