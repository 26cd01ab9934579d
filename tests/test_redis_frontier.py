"""Redis mode (issue 20): no Scrapy deprecation warnings from scrapy-redis, and no idle tail.

scrapy-redis 0.9.1 passes ``spider=`` to ``StatsCollector.inc_value`` (deprecated since
Scrapy 2.13: two warnings a run), and a worker used to wait ``NEWSCRAWL_REDIS_MAX_IDLE``
seconds, rounded up to the engine's 5-second heartbeat, on an empty queue before closing:
10-20 s after the last story of every run. Real ``scrapy crawl`` processes and a real
redis-server on loopback; ``NEWSCRAWL_REDIS_MAX_IDLE`` is set high (30 s) so that a run that
still waited for it could not pass.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

import redis

from newscrawl.demo_site.server import LoopbackSite, Page
from tests.redis_server import redis_server, redis_url  # noqa: F401
from tests.site_server import ADDONS, MIXED_KINDS, build_site, data_lines, run_crawl, serve, start_crawl

MAX_IDLE = 30.0


def test_a_single_worker_ends_with_its_work_and_warns_of_nothing(tmp_path, redis_url):
    site = build_site(40, seed=3, kinds=MIXED_KINDS)
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        began = time.monotonic()
        run = run_crawl(starts, tmp_path, "NEWSCRAWL_REDIS_URL=" + redis_url, f"NEWSCRAWL_REDIS_MAX_IDLE={MAX_IDLE}")
        took = time.monotonic() - began
    assert run.returncode == 0, run.stderr[-2000:]
    assert sorted(run.ids) == sorted(s.story_id for s in site.expected)
    assert run.stats["scheduler/dequeued/redis"] > 0  # the shared frontier really scheduled the crawl
    # No warning at all from scrapy-redis or Scrapy (the old run printed two ScrapyDeprecationWarnings).
    assert "deprecat" not in run.stderr.lower(), [line for line in run.stderr.splitlines() if "eprecat" in line]
    assert "[py.warnings]" not in run.stderr
    # It closed at its first idle moment: no idle check held off, no wait ran out.
    assert "newscrawl/redis/idle_waits" not in run.stats
    assert "newscrawl/redis/idle_timeout" not in run.stats
    assert run.stats["elapsed_time_seconds"] < MAX_IDLE
    assert took < MAX_IDLE, f"the run took {took:.1f} s"


def test_two_workers_wait_for_each_other_then_close_without_the_timeout(tmp_path, redis_url):
    site = build_site(60, seed=21)
    held = site.stories[-1]  # one worker is busy on this page until the rest of the crawl is done
    pages = site.render()
    release = threading.Event()
    pages[held.path] = replace(pages[held.path], hold=release)
    others = [s.path for s in site.stories if s is not held]
    stats_files = [tmp_path / f"stats{i}.json" for i in (1, 2)]
    with LoopbackSite(pages, not_found=Page("", status=404)) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        shared = ["NEWSCRAWL_REDIS_URL=" + redis_url, "DOWNLOAD_DELAY=0.02", "CONCURRENT_REQUESTS=2",
                  "CONCURRENT_REQUESTS_PER_DOMAIN=2", f"NEWSCRAWL_REDIS_MAX_IDLE={MAX_IDLE}", ADDONS]
        began = time.monotonic()
        workers = [start_crawl(starts, tmp_path / f"worker{i}", *shared, env={"NEWSCRAWL_TEST_STATS": str(f)})
                   for i, f in zip((1, 2), stats_files)]
        client = redis.Redis.from_url(redis_url)
        try:
            # Released only once both workers are in the crawl (their heartbeat keys), one holds the page
            # and the rest is fetched: a worker that boots late must find the other busy, not gone.
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not (
                    server.arrived(held.path) and all(server.served(p) for p in others)
                    and len(list(client.scan_iter("newscrawl:menafn:workers:*"))) == 2):
                time.sleep(0.05)
            assert server.arrived(held.path), "no worker reached the held page"
            assert len(list(client.scan_iter("newscrawl:menafn:workers:*"))) == 2, "a worker never joined"
        finally:
            release.set()  # the busy worker finishes; the idle one must have waited for it
        errors = [w.communicate(timeout=180)[1].decode("utf-8", "replace") for w in workers]
        took = time.monotonic() - began
    assert [w.returncode for w in workers] == [0, 0], errors
    assert not any("deprecat" in e.lower() for e in errors), errors
    feeds = [data_lines(tmp_path / f"worker{i}") for i in (1, 2)]
    ids = [r["story_id"] for feed in feeds for r in feed]
    assert sorted(ids) == sorted(s.story_id for s in site.expected)  # exactly once across both feeds
    stats = [json.loads(f.read_text(encoding="utf-8")) for f in stats_files]
    # One worker idled while the other was busy on the held page, and waited for it instead of leaving ...
    assert sum(s.get("newscrawl/redis/idle_waits", 0) for s in stats) >= 1, stats
    # ... and neither closed because the wait ran out: each left once nobody could add requests.
    assert not any(s.get("newscrawl/redis/idle_timeout") for s in stats), stats
    assert took < MAX_IDLE + 60, f"the two workers took {took:.1f} s"
