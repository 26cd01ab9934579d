"""Every story exactly once under an operator's ordinary faults (issue 15), with real crawls.

Real ``scrapy crawl menafn`` processes against a generated site on loopback, their data
directory shared as a cron job shares it, a real redis-server where Redis is the store.
Each test breaks something an operator breaks (a feed that cannot be written, two runs
at once, Redis flushed, a deep first crawl, ``state prune``) and then checks the promise:
across the feeds of all runs, every story once, and every failure said in one line.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from newscrawl.demo_site.server import LoopbackSite, Page
from newscrawl.demo_site.templates import Story, story_html
from tests.redis_server import redis_server, redis_url  # noqa: F401  (fixtures)
from tests.site_server import REPO, build_site, data_lines, finish, last_line, serve, start_crawl, wait_for_lines
from tests.test_scheduled_runs import syndicated_copy


def crawl(starts: list[str], data: Path, *settings: str, **kw) -> tuple[int, str]:
    return finish(start_crawl(starts, data, *settings, **kw))


def ids(data: Path) -> list[str]:
    return [r["story_id"] for r in data_lines(data)]


def story_hits(server, site) -> int:
    paths = {s.path for s in site.stories}
    return sum(1 for h in server.hits if h.path in paths)


def newscrawl(*args: str, data: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {**os.environ, "NEWSCRAWL_DATA_DIR": str(data), "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "newscrawl", *args], cwd=REPO, env=environ, capture_output=True,
                          text=True, timeout=120)


# --- feeds that cannot take the stories -----------------------------------------------------

def test_a_feed_that_cannot_be_created_stops_the_run_before_any_fetch_and_loses_nothing(tmp_path):
    site = build_site(20, seed=1)
    data = tmp_path / "data"
    data.mkdir()
    (data / "feeds").write_text("a file where the feeds directory should be\n")
    with serve(site) as server:
        starts = [server.url(site.listing_path)]
        code, stderr = crawl(starts, data)
        assert code == 1
        assert re.fullmatch(r"newscrawl: cannot write feed .*/feeds/menafn/[\w-]+\.jsonl: .+; nothing was fetched",
                            last_line(stderr)), last_line(stderr)
        assert "Traceback" not in stderr
        assert story_hits(server, site) == 0
        (data / "feeds").unlink()
        code, stderr = crawl(starts, data)
    assert code == 0, stderr[-2000:]
    assert sorted(ids(data)) == sorted(s.story_id for s in site.expected)  # none was marked handled unwritten


def test_a_feed_whose_storage_is_disabled_stops_the_run_before_any_fetch(tmp_path):
    pytest.importorskip("scrapy")
    try:
        import boto3  # noqa: F401
        pytest.skip("boto3 is installed: the s3 storage is not disabled here")
    except ImportError:
        pass
    site = build_site(15, seed=2)
    data = tmp_path / "data"
    with serve(site) as server:
        starts = [server.url(site.listing_path)]
        code, stderr = crawl(starts, data, args=("-o", "s3://bucket/stories.jsonl"))
        assert code == 1
        assert last_line(stderr) == ("newscrawl: feed s3://bucket/stories.jsonl cannot be used: its storage (s3) is "
                                     "disabled: missing boto3 library; nothing was fetched")
        assert story_hits(server, site) == 0
        code, stderr = crawl(starts, data)
    assert code == 0, stderr[-2000:]
    assert sorted(ids(data)) == sorted(s.story_id for s in site.expected)


def test_a_failed_run_leaves_no_empty_feed_and_its_summary_says_why(tmp_path):
    data = tmp_path / "data"
    with LoopbackSite({"/listing": Page("", status=500)}) as server:
        code, stderr = crawl([server.url("/listing")], data)
    assert code == 1
    assert not list((data / "feeds").rglob("*.jsonl")) if (data / "feeds").exists() else True
    [summary] = [json.loads(p.read_text()) for p in (data / "runs" / "menafn").glob("*.json")]
    assert summary["finish_reason"] == "failed"
    assert summary["failure"] == last_line(stderr).removeprefix("newscrawl: ")


# --- paths ----------------------------------------------------------------------------------

def test_a_data_directory_named_with_odd_characters_works_and_recovers_a_killed_run(tmp_path):
    site = build_site(40, seed=6, kinds={"soft404": 1})
    data = tmp_path / "news [prod] 100% é"
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        proc = start_crawl(starts, data, "DOWNLOAD_DELAY=0.05", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
        wait_for_lines(data, 5, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert 0 < len(ids(data)) < len(site.expected)
        code, stderr = crawl(starts, data)
    assert code == 0, stderr[-2000:]
    assert sorted(ids(data)) == sorted(s.story_id for s in site.expected)  # each story once over both runs
    assert [r["reason"] for r in data_lines(data, "rejects")] == ["error_shell"]


# --- two runs at once -------------------------------------------------------------------------

def test_a_second_run_on_the_same_data_directory_is_refused_while_the_first_runs(tmp_path):
    site = build_site(40, seed=7)
    data = tmp_path / "data"
    held = site.stories[-1]  # the first run cannot end before the test lets this page answer
    pages = site.render()
    release = threading.Event()
    pages[held.path] = replace(pages[held.path], hold=release)
    with LoopbackSite(pages, not_found=Page("", status=404)) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        first = start_crawl(starts, data)
        try:
            deadline = time.monotonic() + 60
            while not server.arrived(held.path) and first.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            assert first.poll() is None and server.arrived(held.path), "the first run never reached the held page"
            code, stderr = crawl(starts, data)  # a cron line overlapping a slow run
            waiter = start_crawl(starts, data, "NEWSCRAWL_STATE_LOCK_WAIT=120")  # or one told to wait its turn
        finally:
            release.set()
        first_code, first_err = finish(first)
        wait_code, wait_err = finish(waiter)
    assert code == 1
    assert re.fullmatch(r"newscrawl: state store .*menafn\.sqlite3 is in use by another run \(run [\w-]+, pid \d+, "
                        r"host [^)]+\); one run of a spider at a time on an embedded store", last_line(stderr))
    assert (first_code, wait_code) == (0, 0), first_err[-2000:] + wait_err[-2000:]
    assert sorted(ids(data)) == sorted(s.story_id for s in site.expected)  # exactly once
    summaries = [json.loads(p.read_text()) for p in (data / "runs" / "menafn").glob("*.json")]
    assert len(summaries) == 3 and len({s["run"] for s in summaries}) == 3
    assert sorted(s.get("stories_exported", 0) for s in summaries) == [0, 0, len(site.expected)]


def test_runs_started_in_the_same_second_write_separate_files_and_never_double(tmp_path):
    site = build_site(30, seed=8)
    data = tmp_path / "data"
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        runs = [start_crawl(starts, data, "NEWSCRAWL_STATE_LOCK_WAIT=120") for _ in range(2)]
        results = [finish(proc) for proc in runs]
    assert [code for code, _ in results] == [0, 0], [err[-1500:] for _, err in results]
    assert sorted(ids(data)) == sorted(s.story_id for s in site.expected)
    summaries = [json.loads(p.read_text()) for p in (data / "runs" / "menafn").glob("*.json")]
    assert len(summaries) == 2 and summaries[0]["run"] != summaries[1]["run"]
    assert sorted(s["stories_exported"] for s in summaries) == [0, len(site.expected)]


# --- Redis loses its data ---------------------------------------------------------------------

def test_redis_flushed_between_runs_is_refused_then_adopted_without_exporting_twice(tmp_path, redis_url):
    site = build_site(30, seed=9)
    data = tmp_path / "data"
    shared = ("NEWSCRAWL_REDIS_URL=" + redis_url, "NEWSCRAWL_REDIS_MAX_IDLE=0.5")
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        code, stderr = crawl(starts, data, *shared)
        assert code == 0, stderr[-2000:]
        assert len(ids(data)) == len(site.expected)
        redis.Redis.from_url(redis_url).flushdb()  # a restart without persistence
        server.reset_hits()
        code, stderr = crawl(starts, data, *shared)
        assert code == 1
        assert "is not the one this data directory used" in last_line(stderr)
        assert "newscrawl state adopt --spider menafn" in last_line(stderr)
        assert story_hits(server, site) == 0 and len(ids(data)) == len(site.expected)

        adopted = newscrawl("state", "adopt", data=data, env={"NEWSCRAWL_REDIS_URL": redis_url})
        assert adopted.returncode == 0, adopted.stderr
        assert f"{len(site.expected)} stories from 1 feeds marked delivered" in adopted.stdout

        original = site.expected[-1]  # the oldest story
        new = site.add_stories(2)
        copy = syndicated_copy(original, int(new[0].story_id) + 10, "Azernews", __import__("random").Random(1))
        site.stories.insert(0, copy)
        server.pages.clear()
        server.pages.update(site.render())
        code, stderr = crawl(starts, data, *shared)
    assert code == 0, stderr[-2000:]
    assert sorted(ids(data)) == sorted(s.story_id for s in site.expected if s is not copy)
    [rejected] = [r for r in data_lines(data, "rejects") if r["story_id"] == copy.story_id]
    assert (rejected["reason"], rejected["duplicate_of"]) == ("near_duplicate", original.story_id)


def test_redis_flushed_during_a_run_stops_it_and_nothing_is_exported_twice(tmp_path, redis_url):
    site = build_site(50, seed=10)
    data = tmp_path / "data"
    shared = ("NEWSCRAWL_REDIS_URL=" + redis_url, "NEWSCRAWL_REDIS_MAX_IDLE=0.5", "NEWSCRAWL_STATE_CHECK_INTERVAL=0.2")
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        proc = start_crawl(starts, data, *shared, "DOWNLOAD_DELAY=0.05", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
        wait_for_lines(data, 5, proc)
        assert proc.poll() is None
        redis.Redis.from_url(redis_url).flushdb()
        code, stderr = finish(proc)
        assert code == 1
        assert "lost its data during the run" in last_line(stderr), last_line(stderr)
        first = len(ids(data))
        assert 0 < first < len(site.expected)
        adopted = newscrawl("state", "adopt", data=data, env={"NEWSCRAWL_REDIS_URL": redis_url})
        assert adopted.returncode == 0, adopted.stderr
        code, stderr = crawl(starts, data, *shared)
    assert code == 0, stderr[-2000:]
    assert sorted(ids(data)) == sorted(s.story_id for s in site.expected)  # the rest, and nothing twice


# --- retention ---------------------------------------------------------------------------------

def test_a_copy_of_a_story_from_months_back_in_a_deep_first_crawl_is_still_caught(tmp_path):
    import random
    from datetime import datetime, timedelta

    site = build_site(60, seed=12, per_page=10)
    newest = datetime.fromisoformat(site.stories[0].published)
    for i, story in enumerate(site.stories):  # two days apart: the listings reach four months back
        story.published = (newest - timedelta(days=2 * i)).strftime("%Y-%m-%dT%H:%M:%S")
    data = tmp_path / "data"
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        code, stderr = crawl(starts, data)
        assert code == 0, stderr[-2000:]
        oldest = site.stories[-1]
        copy = syndicated_copy(oldest, int(site.stories[0].story_id) + 1, "Azernews", random.Random(3))
        copy.published = newest.strftime("%Y-%m-%dT%H:%M:%S")
        site.stories.insert(0, copy)
        server.pages.clear()
        server.pages.update(site.render())
        code, stderr = crawl(starts, data)
    assert code == 0, stderr[-2000:]
    assert copy.story_id not in ids(data)
    [rejected] = [r for r in data_lines(data, "rejects") if r["story_id"] == copy.story_id]
    assert (rejected["reason"], rejected["duplicate_of"]) == ("near_duplicate", oldest.story_id)


def test_state_prune_keeps_what_the_crawl_keeps_and_removes_only_when_told(tmp_path):
    site = build_site(20, seed=13)
    data = tmp_path / "data"
    with serve(site) as server:
        starts = [server.url(site.listing_path)]
        code, stderr = crawl(starts, data)
        assert code == 0, stderr[-2000:]
        with sqlite3.connect(data / "state" / "menafn.sqlite3") as conn:  # handled 100 days ago
            conn.execute("UPDATE seen SET at = datetime('now', '-100 days')")
            conn.execute("UPDATE stories SET at = datetime('now', '-100 days')")
        shown = newscrawl("state", "prune", data=data)
        assert shown.returncode == 0, shown.stderr
        assert "would forget what was handled before" in shown.stdout and "0 near-duplicate index entries, " \
            "0 handled stories" in shown.stdout
        pruned = newscrawl("state", "prune", "--yes", data=data)
        assert pruned.returncode == 0 and "0 index entries, 0 handled stories" in pruned.stdout
        server.reset_hits()
        code, stderr = crawl(starts, data)
        assert code == 0 and story_hits(server, site) == 0  # nothing forgotten: nothing fetched again
        told = newscrawl("state", "prune", "--days", "30", data=data)
        assert f"{len(site.expected)} handled stories; add --yes" in told.stdout
        assert newscrawl("state", "prune", "--days", "30", "--yes", data=data).returncode == 0
        code, stderr = crawl(starts, data)
    assert code == 0
    assert len(ids(data)) == 2 * len(site.expected)  # forgotten on purpose, so exported again


# --- identity and requests ---------------------------------------------------------------------

def test_a_story_linked_with_a_trailing_slash_is_fetched_as_linked(tmp_path):
    story = Story("1110600919", "Slash-Story", "A Story Linked With A Slash", "2026-02-12T10:00:00", "MENAFN",
                  ["The site serves this story only at the address its listing links, with a trailing slash.",
                   "A crawler that rewrites the link before fetching it finds nothing there at all."])
    pages = {f"/{story.story_id}/": Page(story_html(story)),
             "/listing": Page(f'<html><body><a href="/{story.story_id}/">the story</a></body></html>')}
    data = tmp_path / "data"
    with LoopbackSite(pages) as server:
        code, stderr = crawl([server.url("/listing")], data)
        fetched = [h.path for h in server.hits if h.path.startswith(f"/{story.story_id}")]
    assert code == 0, stderr[-2000:]
    assert fetched == [f"/{story.story_id}/"]
    assert ids(data) == [story.story_id]
