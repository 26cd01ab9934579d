"""A crawl that archives what it fetches (issue 17): real crawls of the loopback MENAFN-like site.

The archive must hold every fetched response with its request (WARC/1.1, a warcinfo record first,
payload digests), survive a SIGKILL up to its last whole record, and be enough on its own:
``newscrawl clean`` over it, with no server running, gives back the run's feed.
"""

from __future__ import annotations

import gzip
import os
import signal
import time
from collections import Counter
from pathlib import Path

from fastwarc.warc import ArchiveIterator, WarcRecordType
from scrapy.settings import Settings

from newscrawl.addon import NewscrawlAddon
from newscrawl.archives.component import archiving_enabled
from newscrawl.archives.reader import scan
from newscrawl.archives.stories import host_filter
from newscrawl.demo_site.server import LoopbackSite, Page
from newscrawl.demo_site.templates import shell_html
from tests.site_server import MIXED_KINDS, build_site, data_lines, run_crawl, serve, start_crawl
from tests.test_reliability_files import clean, read_jsonl

STORY_FIELDS = ("url", "story_id", "title", "published", "provider", "author", "category", "tags", "language",
                "body", "source", "http_status", "extraction")


def records(path: Path) -> list:
    return list(ArchiveIterator(open(path, "rb"), parse_http=True))


def stories(lines: list[dict]) -> dict[str, dict]:
    return {r["story_id"]: {f: r.get(f) for f in STORY_FIELDS} for r in lines}


def test_archiving_is_off_by_default_and_on_by_flag_or_by_a_directory_of_your_own():
    settings = Settings()
    NewscrawlAddon().update_settings(settings)
    assert not archiving_enabled(settings)
    flagged = settings.copy()
    flagged.set("NEWSCRAWL_WARC", "1", priority="cmdline")
    directory = settings.copy()
    directory.set("NEWSCRAWL_WARC_DIR", "/elsewhere", priority="cmdline")
    assert archiving_enabled(flagged) and archiving_enabled(directory)


def test_the_archive_of_a_crawl_reproduces_its_feed_without_the_site(tmp_path, monkeypatch):
    site = build_site(40, kinds=MIXED_KINDS)
    pages = site.render()
    for story in site.stories[:3]:  # served gzip-encoded: archived so, decoded when read back
        page = pages[story.path]
        page.body, page.headers = gzip.compress(page.body.encode("utf-8")), {"Content-Encoding": "gzip"}
    monkeypatch.setenv("NEWSCRAWL_WARC", "1")  # as a user turns it on for every crawl
    with LoopbackSite(pages, not_found=Page(shell_html(), status=404)) as server:
        result = run_crawl([server.url(site.listing_path), server.url(site.rss_path)], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    [feed] = (tmp_path / "data" / "feeds" / "menafn").glob("*.jsonl")
    run = feed.stem
    warc = tmp_path / "data" / "warc" / "menafn" / f"{run}.warc.gz"  # named by the ledger's run id
    assert warc.is_file() and result.stats["newscrawl/warc/files"] == [str(warc)]

    found = records(warc)
    info = next(iter(ArchiveIterator(open(warc, "rb"))))
    assert info.record_type == WarcRecordType.warcinfo and info.headers.status_line == "WARC/1.1"
    fields = info.reader.read().decode()
    assert "software: newscrawl/" in fields and "newscrawl-spider: menafn" in fields
    assert f"newscrawl-run: {run}" in fields and "setting-ROBOTSTXT_OBEY: true" in fields
    kinds = Counter(str(r.record_type) for r in found[1:])
    assert kinds["request"] == kinds["response"] == result.stats["response_received_count"] + \
        result.stats.get("downloader/response_status_count/301", 0) + \
        result.stats.get("downloader/response_status_count/302", 0) + \
        result.stats.get("retry/count", 0)
    responses = [r for r in found if r.record_type == WarcRecordType.response]
    statuses = Counter(r.http_headers.status_code for r in responses)
    assert {404, 410, 403, 503, 429} <= set(statuses)  # what went wrong is archived too
    assert any(r.headers.get("WARC-Target-URI", "").endswith("/robots.txt") for r in responses)
    assert all(r.headers.get("WARC-Payload-Digest", "").startswith("sha1:") for r in responses)
    assert sum(r.http_headers.get("Content-Encoding") == "gzip" for r in responses) >= 3
    with open(warc, "rb") as fh:  # one gzip member per record: every record starts a member
        data = fh.read()
    assert all(data[r.stream_pos:r.stream_pos + 2] == b"\x1f\x8b" for r in found)

    out, rej = tmp_path / "again.jsonl", tmp_path / "again-rejects.jsonl"
    proc = clean(str(warc), "--output", str(out), "--rejects", str(rej))  # the server is gone
    assert proc.returncode == 0, proc.stderr
    kept = read_jsonl(out)
    assert stories(kept) == stories(result.items) and len(kept) == len(result.items) >= 30
    assert {r["warc_file"] for r in kept} == {str(warc)}
    # The crawl's rejects also close stories that answered 404 / 410 ("gone"): no page, nothing to clean.
    crawl_rejects = {r["story_id"]: r["reason"] for r in data_lines(tmp_path / "data", "rejects")}
    assert {r["story_id"]: r["reason"] for r in read_jsonl(rej)} == {
        key: reason for key, reason in crawl_rejects.items() if reason != "gone"}
    assert "error_shell" in crawl_rejects.values()


def test_a_rotated_archive_in_a_directory_of_your_own_reads_back_whole(tmp_path):
    site = build_site(25)
    archive_dir = tmp_path / "archive"
    with serve(site) as server:
        result = run_crawl([server.url(site.listing_path)], tmp_path, f"NEWSCRAWL_WARC_DIR={archive_dir}",
                           "NEWSCRAWL_WARC_MAX_BYTES=20000")
    assert result.returncode == 0, result.stderr[-3000:]
    files = sorted((archive_dir / "menafn").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    run = files[0].name.removesuffix(".warc.gz")
    assert len(files) >= 3 and [p.name for p in files[1:3]] == [f"{run}-1.warc.gz", f"{run}-2.warc.gz"]
    for path in files:  # each file stands alone: its own warcinfo first
        assert records(path)[0].record_type == WarcRecordType.warcinfo
    assert not (tmp_path / "data" / "warc").exists()
    out, rej = tmp_path / "again.jsonl", tmp_path / "again-rejects.jsonl"
    proc = clean(str(archive_dir), "--output", str(out), "--rejects", str(rej), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert stories(read_jsonl(out)) == stories(result.items) and len(result.items) == 25


def test_a_killed_crawl_leaves_an_archive_readable_to_its_last_whole_record(tmp_path):
    site = build_site(400, per_page=40)
    data = tmp_path / "data"
    with serve(site) as server:
        proc = start_crawl([server.url(site.listing_path)], data, "NEWSCRAWL_WARC=1", "MENAFN_MAX_LISTING_PAGES=20")
        folder = data / "warc" / "menafn"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            sizes = [p.stat().st_size for p in folder.glob("*.warc.gz")] if folder.is_dir() else []
            if sizes and sizes[0] > 400_000:  # mid-crawl: well past the first records, far from the end
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the crawl ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    [warc] = folder.glob("*.warc.gz")
    found = records(warc)
    responses = [r for r in found if r.record_type == WarcRecordType.response]
    requests = [r for r in found if r.record_type == WarcRecordType.request]
    assert len(responses) >= 20 and len(requests) == len(responses)  # exchanges are written whole
    pages = list(scan(warc, wanted=host_filter(None)))  # the story pages, as clean reads them
    assert len(pages) >= 10

    torn = tmp_path / "torn.warc.gz"  # a write cut off half-way, as a kill inside os.write leaves it
    half = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + b"x" * 5000)
    torn.write_bytes(warc.read_bytes() + half[: len(half) // 2])
    assert len(records(torn)) == len(found)
    out, rej = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    cleaned = clean(str(torn), "--output", str(out), "--rejects", str(rej))
    assert cleaned.returncode == 0, cleaned.stderr
    assert len(read_jsonl(out)) + len(read_jsonl(rej)) == len(pages)
