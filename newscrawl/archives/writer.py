"""WARC/1.1 files written so that a killed process leaves a readable archive.

Each exchange (the request and its response) is compressed record by record
(one gzip member each, as Common Crawl writes them, so a reader can enter the
file at any record) and appended with one unbuffered write: a process killed
with SIGKILL leaves every exchange it wrote whole, and at most a cut-off last
write, which readers skip. Every file starts with a ``warcinfo`` record
naming the software and the run's settings; a file past ``max_bytes`` is
closed and the next exchange opens ``<run>-1.warc.gz``, ``<run>-2...``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from pathlib import Path
from typing import Iterable

from fastwarc.warc import WarcRecord, WarcRecordType

from newscrawl.archives.reader import SPIDER_FIELD

Headers = Iterable[tuple[str, str]]
# Hop-by-hop framing the stored body no longer has (the HTTP client undid it): kept, a reader
# would try to undo it again.
_FRAMING = {"transfer-encoding"}


def http_request(method: str, target: str, headers: Headers, body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "replace") + body


def http_response(status: int, reason: str, headers: Headers, body: bytes, protocol: str = "HTTP/1.1") -> bytes:
    """The response as stored: the body as the client received it (still content-encoded), its
    length in ``Content-Length`` since the transfer framing is gone."""
    kept = [(k, v) for k, v in headers if k.lower() not in _FRAMING and k.lower() != "content-length"]
    lines = [f"{protocol} {status} {reason}".rstrip()] + [f"{k}: {v}" for k, v in kept]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "replace") + body


def _record(kind: WarcRecordType, content: bytes, content_type: str, headers: dict[str, str]) -> WarcRecord:
    record = WarcRecord()
    record.init_headers(kind)
    record.headers["Content-Type"] = content_type
    for name, value in headers.items():
        record.headers[name] = value
    record.set_bytes_content(content)
    return record


def _gzipped(record: WarcRecord, payload: bytes | None) -> bytes:
    """The record as one gzip member, with its block digest and (``payload``) its payload digest."""
    buffer = io.BytesIO()
    digest = hashlib.sha1(payload).digest() if payload is not None else None
    record.write(buffer, checksum_data=True, payload_digest=digest)
    return gzip.compress(buffer.getvalue(), compresslevel=6, mtime=0)


class WarcFileWriter:
    """Appends exchanges to ``<directory>/<run>.warc.gz`` (rotated past ``max_bytes``)."""

    def __init__(self, directory: Path | str, run: str, info: dict[str, str], max_bytes: int):
        self.directory = Path(directory)
        self.run = run
        self.info = dict(info)
        self.max_bytes = max_bytes
        self.part = 0
        self.files: list[Path] = []
        self._fd: int | None = None
        self._size = 0
        self._warcinfo_id: str | None = None
        self.records = 0

    @property
    def path(self) -> Path:
        suffix = f"-{self.part}" if self.part else ""
        return self.directory / f"{self.run}{suffix}.warc.gz"

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        while self.path.exists():  # never append to another run's (or an earlier part's) file
            self.part += 1
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        self._size = 0
        self.files.append(self.path)
        fields = {"software": self.info.get("software", "newscrawl"), "format": "WARC File Format 1.1",
                  "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                  **{k: v for k, v in self.info.items() if k != "software"}}
        body = "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode("utf-8")
        info = _record(WarcRecordType.warcinfo, body, "application/warc-fields", {"WARC-Filename": self.path.name})
        self._warcinfo_id = info.record_id
        self._append(_gzipped(info, None))

    def _append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:  # one write in practice; a partial write is finished, never left torn
            written = os.write(self._fd, view)
            view = view[written:]
        self._size += len(data)

    def write_exchange(self, url: str, request: bytes, response: bytes, payload: bytes,
                       ip_address: str | None = None) -> None:
        """One fetched response and the request that fetched it, as two records in one write."""
        if self._fd is None or self._size >= self.max_bytes:
            self.close()
            if self._fd is None and self.files:
                self.part += 1
            self._open()
        common = {"WARC-Target-URI": url, "WARC-Warcinfo-ID": self._warcinfo_id or ""}
        resp_headers = dict(common)
        if ip_address:
            resp_headers["WARC-IP-Address"] = ip_address
        resp = _record(WarcRecordType.response, response, "application/http; msgtype=response", resp_headers)
        req = _record(WarcRecordType.request, request, "application/http; msgtype=request",
                      {**common, "WARC-Concurrent-To": resp.record_id or ""})
        self._append(_gzipped(resp, payload) + _gzipped(req, None))
        self.records += 2

    def close(self) -> None:
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = None


def run_info(software: str, spider: str, run: str, settings: dict[str, str]) -> dict[str, str]:
    """The ``warcinfo`` fields of a crawl's archive: who wrote it, which spider and run, with what settings."""
    return {"software": software, SPIDER_FIELD: spider, "isPartOf": f"{spider}/{run}", "newscrawl-run": run,
            **{f"setting-{k}": v for k, v in sorted(settings.items())}}
