"""`newscrawl clean` over web archives and compressed files, as users run it (a subprocess over real files).

The WARC files here are written byte by byte from the standard (WARC/1.0 and 1.1, plain, one gzip
stream, or one gzip member per record as Common Crawl writes them), not with the library that reads
them, so a reader that merely agrees with its own writer cannot pass.
"""

from __future__ import annotations

import bz2
import fcntl
import gzip
import io
import json
import os
import pty
import struct
import termios
import uuid
from collections import Counter
from pathlib import Path

import pytest

from newscrawl.clean_files import CleanReport, Progress
from newscrawl.inputs import iter_records
from tests.test_reliability_files import STORY, clean, read_jsonl

FIXTURES = Path(__file__).parent / "fixtures"
MENAFN_HTML = (FIXTURES / "captures" / "menafn_article.html").read_bytes()
PRN_HTML = (FIXTURES / "wires" / "prnewswire" / "acme-robotics.html").read_bytes()
MENAFN_URL = "https://menafn.com/1109876543/Omans-Sohar-Port-To-Add-Two-Deep-Water-Berths"
PRN_URL = "https://www.prnewswire.com/news-releases/acme-robotics-opens-automated-warehouse-hub-in-ohio-302100001.html"
OTHER_URL = "https://news.example.org/2026/02/12/omans-sohar-port-to-add-two-berths"


# -- WARC records written from the standard ---------------------------------------------------------------
def warc_record(kind: str, uri: str | None, block: bytes, *, version: str = "1.0",
                content_type: str = "application/http; msgtype=response") -> tuple[str, bytes]:
    record_id = f"<urn:uuid:{uuid.uuid4()}>"
    lines = [f"WARC/{version}", f"WARC-Type: {kind}", f"WARC-Record-ID: {record_id}",
             "WARC-Date: 2026-02-12T09:41:00Z"]
    if uri:
        lines.append(f"WARC-Target-URI: {uri}")
    lines += [f"Content-Type: {content_type}", f"Content-Length: {len(block)}"]
    return record_id, ("\r\n".join(lines) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def http(status: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    return (f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode() + body


def chunked(body: bytes, size: int = 1000) -> bytes:
    parts = [body[i:i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def archive_records(version: str = "1.0") -> tuple[list[bytes], dict[str, str]]:
    """A small crawl's worth of records: three story pages (a MENAFN one chunked, a PR Newswire one
    gzip-encoded, an unknown site's plain) among what is never a story (a warcinfo, a request, a
    redirect, a 404, an image, a text file). Also returns the ids of the three pages by host."""
    html = [("Content-Type", "text/html; charset=utf-8")]
    ids: dict[str, str] = {}
    out = []
    _, info = warc_record("warcinfo", None, b"software: somebody else's crawler\r\n", version=version,
                          content_type="application/warc-fields")
    out.append(info)
    out.append(warc_record("request", MENAFN_URL, b"GET / HTTP/1.1\r\nHost: menafn.com\r\n\r\n", version=version,
                           content_type="application/http; msgtype=request")[1])
    ids["menafn"], rec = warc_record("response", MENAFN_URL, http(
        "200 OK", html + [("Transfer-Encoding", "chunked")], chunked(MENAFN_HTML)), version=version)
    out.append(rec)
    out.append(warc_record("response", "https://menafn.com/qn_news_story_s.aspx?storyid=1109876543", http(
        "301 Moved Permanently", [("Location", MENAFN_URL)], b""), version=version)[1])
    encoded = gzip.compress(PRN_HTML)
    ids["prnewswire"], rec = warc_record("response", PRN_URL, http(
        "200 OK", html + [("Content-Encoding", "gzip"), ("Content-Length", str(len(encoded)))], encoded),
        version=version)
    out.append(rec)
    out.append(warc_record("response", "https://news.example.org/missing", http(
        "404 Not Found", html, b"<html><body>Not found</body></html>"), version=version)[1])
    out.append(warc_record("response", "https://news.example.org/logo.png", http(
        "200 OK", [("Content-Type", "image/png")], b"\x89PNG\r\n\x1a\n" + bytes(range(256))), version=version)[1])
    out.append(warc_record("response", "https://news.example.org/robots.txt", http(
        "200 OK", [("Content-Type", "text/plain")], b"User-agent: *\nDisallow:\n"), version=version)[1])
    page = (b"<!DOCTYPE html><html><head><title>Oman's Sohar Port To Add Two Berths</title></head><body>"
            b"<nav><a href='/'>Home</a></nav><article><h1>Oman's Sohar Port To Add Two Berths</h1>"
            + b"".join(b"<p>%s</p>" % p.encode() for p in STORY.split("\n\n")) + b"</article></body></html>")
    ids["other"], rec = warc_record("response", OTHER_URL, http("200 OK", html, page), version=version)
    out.append(rec)
    return out, ids


def write_archive(path: Path, records: list[bytes], how: str) -> Path:
    if how == "plain":
        path.write_bytes(b"".join(records))
    elif how == "gzip-stream":
        path.write_bytes(gzip.compress(b"".join(records)))
    else:  # one gzip member per record
        path.write_bytes(b"".join(gzip.compress(r) for r in records))
    return path


@pytest.mark.parametrize("version,how", [("1.0", "plain"), ("1.1", "per-record"), ("1.0", "gzip-stream")])
def test_an_archive_gives_its_html_pages_each_read_by_its_site(tmp_path, version, how):
    records, ids = archive_records(version)
    warc = write_archive(tmp_path / ("crawl.warc" + ("" if how == "plain" else ".gz")), records, how)
    out, rej = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    proc = clean(str(warc), "--output", str(out), "--rejects", str(rej), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    kept = {r["url"]: r for r in read_jsonl(out)}
    assert read_jsonl(rej) == []
    assert set(kept) == {MENAFN_URL, PRN_URL, OTHER_URL}  # no redirect, 404, image, text file or request
    menafn, prn, other = kept[MENAFN_URL], kept[PRN_URL], kept[OTHER_URL]
    assert (menafn["extraction"], menafn["story_id"], menafn["source"]) == ("site", "1109876543", "menafn")
    assert menafn["provider"] == "Times of Oman" and "Sohar" in menafn["title"]
    assert (prn["extraction"], prn["source"]) == ("site", "prnewswire")
    assert "Acme Robotics" in prn["title"] and "warehouse" in prn["body"]
    assert other["source"] == "generic" and "container volumes rose by nine percent" in other["body"]
    for name, url in (("menafn", MENAFN_URL), ("prnewswire", PRN_URL), ("other", OTHER_URL)):
        assert kept[url]["warc_record_id"] == ids[name] and kept[url]["warc_file"] == str(warc)
        assert kept[url]["http_status"] == 200 and kept[url]["crawled_at"] == "2026-02-12T09:41:00"
        assert "html" not in kept[url]


def test_hosts_keeps_only_those_hosts_and_their_subdomains(tmp_path):
    records, _ = archive_records()
    warc = write_archive(tmp_path / "cc-news.warc.gz", records, "per-record")
    out, rej = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    proc = clean(str(warc), "--hosts", "menafn.com,prnewswire.com", "--output", str(out), "--rejects", str(rej))
    assert proc.returncode == 0, proc.stderr
    assert sorted(r["url"] for r in read_jsonl(out)) == sorted([MENAFN_URL, PRN_URL])
    assert clean(str(warc), "--hosts", "https://menafn.com/x", "-o", str(out), "-r", str(rej)).returncode == 2


def test_the_same_page_twice_is_one_story_whatever_the_worker_count(tmp_path):
    records, _ = archive_records()
    again, _ = archive_records()  # the same pages captured again: same URLs, new record ids
    first = write_archive(tmp_path / "a.warc.gz", records, "per-record")
    second = write_archive(tmp_path / "b.warc.gz", again, "per-record")
    results = []
    for jobs in ("0", "2"):
        out, rej = tmp_path / f"out{jobs}.jsonl", tmp_path / f"rej{jobs}.jsonl"
        proc = clean(str(first), str(second), "--jobs", jobs, "--output", str(out), "--rejects", str(rej))
        assert proc.returncode == 0, proc.stderr
        results.append((read_jsonl(out), read_jsonl(rej)))
    assert results[0] == results[1]
    kept, rejected = results[0]
    assert len(kept) == 3 and {r["warc_file"] for r in kept} == {str(first)}
    assert Counter(r["reason"] for r in rejected) == {"duplicate": 3}
    assert {r["duplicate_of"] for r in rejected} == {r["story_id"] for r in kept}


def test_compressed_jsonl_is_read_and_files_that_are_not_text_are_errors(tmp_path):
    from backports import zstd

    d = tmp_path / "in"
    d.mkdir()
    line = lambda ident: (json.dumps({"id": ident, "text": STORY.replace("nine", ident)}) + "\n").encode()
    (d / "a.jsonl.gz").write_bytes(gzip.compress(line("gz")))
    (d / "b.jsonl.zst").write_bytes(zstd.compress(line("zst")))
    (d / "c.txt.gz").write_bytes(gzip.compress(STORY.replace("nine", "capture").encode()))
    (d / "d.jsonl.bz2").write_bytes(bz2.compress(line("bz2")))
    (d / "e.bin").write_bytes(bytes(range(256)) * 40)
    (d / "f.warc.gz").write_bytes(gzip.compress(line("not-an-archive")))  # a name is not a format
    whole = gzip.compress(b"".join(line(f"cut{i}") for i in range(50)))
    (d / "g.jsonl.gz").write_bytes(whole[:len(whole) // 2])  # cut short
    (d / "h.warc").write_bytes(b"WARC/1.1\r\nWARC-Type: response\r\nbroken")
    out, rej = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    proc = clean(str(d), "--output", str(out), "--rejects", str(rej))
    assert proc.returncode == 3, proc.stderr
    kept = {r["id"] for r in read_jsonl(out)} | {r["id"] for r in read_jsonl(rej)}
    assert {"gz", "zst", "c"} <= kept
    assert not {"bz2", "e", "f", "not-an-archive", "cut49"} & kept
    expected = {  # file: the start of what is said of it
        "d.jsonl.bz2": "bzip2-compressed, not text, HTML, JSONL or a WARC archive; skipped",
        "e.bin": "binary data, not text, HTML, JSONL or a WARC archive; skipped",
        "f.warc.gz": "named as a WARC archive but not one",
        "g.jsonl.gz": "cannot read",
        "h.warc": "not a readable WARC archive",
    }
    for name, message in expected.items():
        assert f"clean: {d / name}: {message}" in proc.stderr
    assert "records read" in proc.stderr.splitlines()[-2]


def test_an_invalid_json_line_says_where_without_stuttering(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "text": "unterminated\n{"id": "b", "text": }\n', encoding="utf-8")
    problems = []
    assert list(iter_records([str(path)], problems.append)) == []
    messages = [p.message for p in problems]
    assert messages == ["invalid JSON (Invalid control character at column 34); skipped",
                        "invalid JSON (Expecting value at column 21); skipped"]


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_elsewhere(tmp_path):
    report = CleanReport(read=120, kept=100)
    report.rejected["duplicate"] = 20
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal 120 columns wide
    with os.fdopen(slave, "w", encoding="utf-8", closefd=True) as terminal:
        bar = Progress(terminal, total=4 * 1024 * 1024)
        bar.tick(report, 1024 * 1024)
        bar.close()
        terminal.flush()
    screen = os.read(master, 65536).decode("utf-8", "replace")
    os.close(master)
    assert "clean:  25%" in screen and "4.00M" in screen and "120 read, 100 kept, 20 rejected" in screen
    assert "<" in screen  # tqdm's elapsed<remaining: the ETA
    lines = io.StringIO()
    plain = Progress(lines, total=4_000_000, every=0)
    plain.tick(report, 1_000_000)
    assert lines.getvalue().startswith("clean: 120 read, 100 kept, 20 rejected (")
    assert "25% of 4.0 MB, about" in lines.getvalue() and "left)" in lines.getvalue()
    assert "\r" not in lines.getvalue()
