"""The pages of a WARC file: ``response`` records with HTTP status 200 and an HTML content type.

Everything else an archive holds (requests, redirects, errors, robots.txt,
feeds, images, ``warcinfo``) is counted by kind and not read. ``scan`` finds
the pages without decoding their bodies and gives each one's offset; with
per-record compression (as Common Crawl and newscrawl write) or none,
``read_page`` reads one page from its offset, so a worker process can read
the archive itself. A file compressed as one stream cannot be entered in the
middle: ``scan`` then reads each page's body itself (``PageRef.html``).

Bodies are decoded as the crawl decodes them (Scrapy's ``TextResponse``): the
transfer and content encodings undone (chunked, gzip, deflate, brotli), then
the charset from the BOM, the ``Content-Type`` header, the page's ``<meta>``,
else ASCII, UTF-8 or a detected one.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import BinaryIO, Callable, Iterator

from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType
from w3lib.encoding import html_to_unicode, resolve_encoding

HTML_TYPES = ("text/html", "application/xhtml+xml")
WARC_MAGIC = b"WARC/"
# The first bytes of a file compressed record by record (or as a whole) with these.
COMPRESSED_MAGIC = {b"\x1f\x8b": "gzip", b"\x28\xb5\x2f\xfd": "zstd"}
SPIDER_FIELD = "newscrawl-spider"  # the warcinfo field naming the spider whose crawl wrote the file


class ArchiveError(OSError):
    """The file is not a WARC archive, or breaks off inside one (``str`` says where)."""


@dataclass
class PageRef:
    """A page of an archive, as found by ``scan``: where it is and what it is, not its body."""

    file: str
    offset: int
    url: str
    record_id: str
    date: str | None  # the capture time, ISO 8601 UTC
    spider: str | None  # the spider whose crawl wrote the archive (its warcinfo), if newscrawl's
    html: str | None = None  # the body, read ahead when the file cannot be entered at ``offset``


@dataclass
class Page:
    ref: PageRef
    html: str
    status: int


def compression_of(head: bytes) -> str | None:
    return next((name for magic, name in COMPRESSED_MAGIC.items() if head.startswith(magic)), None)


def decode_body(body: bytes, content_type: str | None) -> str:
    """The page's text, decoded as Scrapy decodes a response (see the module docstring)."""
    return html_to_unicode(content_type, body, auto_detect_fun=_auto_detect, default_encoding="ascii")[1]


def _auto_detect(body: bytes) -> str | None:
    for encoding in ("ascii", "utf-8"):
        try:
            body.decode(encoding)
        except UnicodeError:
            continue
        return resolve_encoding(encoding)
    from charset_normalizer import from_bytes  # only for pages that say nothing of their charset

    match = from_bytes(body).best()
    return resolve_encoding(match.encoding) if match else None


def capture_time(warc_date: str | None) -> str | None:
    """A ``WARC-Date`` (``2026-02-12T09:41:00Z``, WARC/1.1 may add fractions) as the crawl writes
    ``crawled_at``: ISO 8601 in UTC, to the second."""
    try:
        when = datetime.fromisoformat((warc_date or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def warcinfo_spider(block: bytes) -> str | None:
    """The spider a ``warcinfo`` record's fields name (``newscrawl-spider: menafn``), if any."""
    for line in block.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == SPIDER_FIELD:
            return value.strip() or None
    return None


def page_problem(is_http: bool, status: int | None, content_type: str | None) -> str | None:
    """Why a response record is not a page to read (``not_http``, ``status_404``, ``not_html``), or None."""
    if not is_http:
        return "not_http"
    if status != 200:
        return f"status_{status}"
    if (content_type or "").split(";")[0].strip().lower() not in HTML_TYPES:
        return "not_html"
    return None


def why_not_a_page(record: WarcRecord) -> str | None:
    if not record.is_http:
        return "not_http"
    return page_problem(True, record.http_headers.status_code, record.http_headers.get("Content-Type"))


def scan(path: str | os.PathLike, *, wanted: Callable[[str, str | None], bool] | None = None,
         skipped: Counter | None = None, read_ahead: bool = False) -> Iterator[PageRef]:
    """The pages of the archive at ``path``, in order; ``wanted(url, spider)`` may refuse some.

    ``read_ahead``: read each page's body now (``PageRef.html``), for a caller that reads the pages
    in this process anyway (one decompression instead of two); a file compressed as one stream is
    always read ahead.

    ``skipped`` counts the records that are not pages, by why. ``ArchiveError`` when the file is
    not a WARC archive or is broken before its end; a last record cut short (a crawl killed while
    writing it) is not read and not an error.
    """
    skipped = Counter() if skipped is None else skipped
    name = os.fspath(path)
    spider: str | None = None
    read_ahead = read_ahead or not _enterable(name)
    with open(name, "rb") as fh:
        # Bodies are decoded only when read here (fastwarc 2.0 loses its place when a decoded body is skipped).
        records = ArchiveIterator(fh, record_types=WarcRecordType.any_type, parse_http=True,
                                  auto_decode="all" if read_ahead else "none")
        count = 0
        try:
            for record in records:
                count += 1
                if not record.record_id or "Content-Length" not in record.headers:
                    raise OSError(f"record {count} has no WARC-Record-ID or Content-Length")
                kind = record.record_type
                if kind == WarcRecordType.warcinfo:
                    spider = warcinfo_spider(record.reader.read(256 * 1024)) or spider
                    continue
                if kind != WarcRecordType.response:
                    skipped[str(kind)] += 1
                    continue
                reason = why_not_a_page(record)
                url = (record.headers.get("WARC-Target-URI") or "").strip().strip("<>")
                if reason is None and wanted is not None and not wanted(url, spider):
                    reason = "not_a_story_or_host"
                if reason is not None:
                    skipped[reason] += 1
                    if read_ahead:
                        record.reader.read()
                    continue
                ref = PageRef(name, record.stream_pos, url, record.record_id or "", capture_time(record.headers.get("WARC-Date")), spider)
                if read_ahead:
                    ref.html = decode_body(record.reader.read(), record.http_headers.get("Content-Type"))
                yield ref
        except OSError as exc:
            raise ArchiveError(f"not a readable WARC archive ({exc})" if count <= 1 else
                               f"WARC archive broken after record {count - 1} ({exc})") from None
        if count == 0:
            raise ArchiveError("not a WARC archive (no record in it)")


def _enterable(name: str) -> bool:
    """Whether a record can be read from its offset: the file is not compressed, or compressed record
    by record (the second record starts a compressed member of its own)."""
    with open(name, "rb") as fh:
        head = fh.read(8)
        magic = next((m for m in COMPRESSED_MAGIC if head.startswith(m)), None)
        if magic is None:
            return True
        fh.seek(0)
        try:
            offsets = [r.stream_pos for _, r in zip(range(2), ArchiveIterator(fh, parse_http=False))]
        except OSError:
            return False
    if len(offsets) < 2:
        return True
    with open(name, "rb") as fh:
        fh.seek(offsets[1])
        return fh.read(len(magic)) == magic


def read_page(ref: PageRef) -> Page:
    """The page ``ref`` points to, its body decoded (read from the archive unless ``scan`` read it)."""
    if ref.html is not None:
        return Page(ref, ref.html, 200)
    with open(ref.file, "rb") as fh:
        fh.seek(ref.offset)
        record = next(iter(ArchiveIterator(fh, parse_http=True, auto_decode="all")), None)
        if record is None or (record.record_id or "") != ref.record_id:
            raise ArchiveError(f"{ref.file}: no record {ref.record_id} at offset {ref.offset}")
        body = record.reader.read()
        return Page(ref, decode_body(body, record.http_headers.get("Content-Type")), record.http_headers.status_code)


def is_warc(fh: BinaryIO) -> bool:
    """Whether the open file holds a WARC archive (plain or compressed); the position is restored."""
    start = fh.tell()
    try:
        head = fh.read(8)
        if head.startswith(WARC_MAGIC):
            return True
        if compression_of(head) is None:
            return False
        fh.seek(start)
        try:
            return next(iter(ArchiveIterator(fh, parse_http=False)), None) is not None
        except OSError:
            return False
    finally:
        fh.seek(start)
