"""Faults (issue 6): a full disk, SIGTERM and an unreachable Redis end a run clearly, losing nothing.

Real ``scrapy crawl menafn`` subprocesses against a generated site on loopback; the full disk
is ``/dev/full`` as the feed (every write fails with ENOSPC, as root or not, here and in CI).
"""

from __future__ import annotations

import json
import re
import signal
import socket
import time
from pathlib import Path

from tests.redis_server import REDIS_BINARY, needs_redis
from tests.site_server import build_site, run_crawl, serve
from tests.site_server import data_lines as feed_lines
from tests.site_server import start_crawl, wait_for_lines


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_full_disk_stops_the_run_with_one_line_and_the_next_run_writes_every_story(tmp_path):
    site = build_site(20, seed=1)
    with serve(site) as server:
        starts = [server.url(site.listing_path)]
        proc = start_crawl(starts, tmp_path / "data", 'FEEDS={"/dev/full": {"format": "jsonlines"}}')
        stderr = proc.communicate(timeout=120)[1].decode("utf-8", "replace")
        assert proc.returncode == 1
        last = [line for line in stderr.splitlines() if line.strip()][-1]
        assert re.fullmatch(r"newscrawl: cannot write feed /dev/full: No space left on device; "
                            r"[1-9]\d* stories left for the next run", last), last
        assert "Traceback" not in stderr
        again = run_crawl(starts, tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    ids = [r["story_id"] for r in feed_lines(tmp_path / "data")]
    assert sorted(ids) == sorted(s.story_id for s in site.expected)  # none was marked handled unwritten


def test_sigterm_stops_gracefully_with_valid_feeds_and_nothing_lost(tmp_path):
    site = build_site(60, seed=8)
    data = tmp_path / "data"
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        proc = start_crawl(starts, data, "DOWNLOAD_DELAY=0.05", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
        wait_for_lines(data, 5, proc)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
        # Every line of the stopped run's feed is whole JSON, and the run left its summary.
        [feed] = list((data / "feeds" / "menafn").glob("*.jsonl"))
        lines = feed.read_bytes().split(b"\n")
        assert lines[-1] == b"" and all(json.loads(line) for line in lines[:-1])
        assert 5 <= len(lines) - 1 < len(site.expected)
        [summary] = list((data / "runs" / "menafn").glob("*.json"))
        assert json.loads(summary.read_text())["finish_reason"] == "shutdown"
        final = run_crawl(starts, tmp_path)
    assert final.returncode == 0, final.stderr[-2000:]
    ids = [r["story_id"] for r in feed_lines(data)]
    assert sorted(ids) == sorted(s.story_id for s in site.expected)  # each story once over both runs


def test_redis_unreachable_at_start_is_one_clear_error_with_the_password_masked(tmp_path):
    site = build_site(15, seed=2)
    with serve(site) as server:
        url = f"redis://:hunter2@127.0.0.1:{_free_port()}/0"
        result = run_crawl([server.url(site.listing_path)], tmp_path, "NEWSCRAWL_REDIS_URL=" + url)
        story_hits = [h for h in server.hits if h.path != "/robots.txt"]
    assert result.returncode != 0
    assert result.items == []
    last = [line for line in result.stderr.splitlines() if line.strip()][-1]
    assert last.startswith("newscrawl: cannot use redis at redis://:***@127.0.0.1") and "Connection refused" in last
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr
    assert story_hits == []  # nothing fetched, so nothing fetched and lost
    assert not list(Path(tmp_path / "data").glob("state/*.sqlite3"))  # no silent fallback to a local store


def _persistent_redis(port: int, workdir: Path):
    """A redis-server that keeps its data across a restart (append-only file), on ``port``."""
    import subprocess

    import redis

    proc = subprocess.Popen([REDIS_BINARY, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if client.ping():
                return proc
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


@needs_redis
def test_redis_lost_mid_crawl_stops_clearly_and_the_next_run_finishes_exactly_once(tmp_path):
    port = _free_port()
    (tmp_path / "redis").mkdir()
    url = f"redis://127.0.0.1:{port}/0"
    site = build_site(80, seed=4)
    data = tmp_path / "data"
    redis_proc = _persistent_redis(port, tmp_path / "redis")
    try:
        with serve(site) as server:
            starts = [server.url(site.listing_path), server.url(site.rss_path)]
            crawl = start_crawl(starts, data, "NEWSCRAWL_REDIS_URL=" + url, "DOWNLOAD_DELAY=0.05",
                                 "CONCURRENT_REQUESTS_PER_DOMAIN=2", "NEWSCRAWL_REDIS_MAX_IDLE=2",
                                 "NEWSCRAWL_REDIS_HEARTBEAT_TTL=3")
            wait_for_lines(data, 10)
            redis_proc.send_signal(signal.SIGKILL)  # Redis goes away mid-crawl
            redis_proc.wait(timeout=10)
            stderr = crawl.communicate(timeout=60)[1].decode("utf-8", "replace")
            assert crawl.returncode == 1
            last = [line for line in stderr.splitlines() if line.strip()][-1]
            assert re.fullmatch(r"newscrawl: (lost the shared frontier|cannot use redis) at redis://127\.0\.0\.1:\d+/0: "
                                r".*; stopped.*", last), last
            first_run = len(feed_lines(data))
            assert 0 < first_run < len(site.expected)

            redis_proc = _persistent_redis(port, tmp_path / "redis")  # Redis is back, with its data
            crawl = start_crawl(starts, data, "NEWSCRAWL_REDIS_URL=" + url, "NEWSCRAWL_REDIS_MAX_IDLE=2")
            stderr = crawl.communicate(timeout=120)[1].decode("utf-8", "replace")
            assert crawl.returncode == 0, stderr[-2000:]
    finally:
        redis_proc.kill()
        redis_proc.wait(timeout=10)
    ids = [r["story_id"] for r in feed_lines(data)]
    assert sorted(ids) == sorted(s.story_id for s in site.expected)  # nothing lost, nothing doubled
