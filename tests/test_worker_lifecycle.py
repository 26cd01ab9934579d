"""Cleaning worker processes never outlive the crawl that started them.

A scheduler's timeout or the OOM killer ends a crawl with SIGKILL, which
gives the crawl no chance to shut its pool down; its workers must still go,
or every killed run would leave processes behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.site_server import FAST, REPO, build_site, serve


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def start_crawl(server, site, tmp_path: Path, workers: int, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    """A real ``scrapy crawl menafn`` of the loopback site, slowed to two requests at a time."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "menafn", "-O", str(tmp_path / "out.jsonl"),
           "-a", "start_urls=" + server.url(site.listing_path)]
    for item in [*FAST, f"NEWSCRAWL_CLEANING_WORKERS={workers}", "MENAFN_MAX_LISTING_PAGES=100",
                 "CONCURRENT_REQUESTS_PER_DOMAIN=2"]:
        cmd += ["-s", item]
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(tmp_path / "data"),
           "SCRAPY_SETTINGS_MODULE": "newscrawl.settings", "PYTHONPATH": str(REPO)}
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=stderr, text=True)


def test_workers_exit_when_the_crawl_is_killed(tmp_path):
    site = build_site(400, per_page=20, rss_items=20, rss_only=0)
    with serve(site) as server:
        crawl = start_crawl(server, site, tmp_path, workers=2)
        try:
            workers: list[int] = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and crawl.poll() is None:
                workers = [p for p in _children(crawl.pid) if "spawn_main" in _cmdline(p)]
                if workers and (tmp_path / "out.jsonl").exists() and (tmp_path / "out.jsonl").stat().st_size:
                    break  # stories are being cleaned: the workers are busy
                time.sleep(0.1)
            assert crawl.poll() is None, "the crawl ended before it could be killed; make the site larger"
            assert workers, "no cleaning worker process was started"
            crawl.send_signal(signal.SIGKILL)
            crawl.wait(timeout=10)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(_alive(p) for p in workers):
                time.sleep(0.1)
            left = [p for p in workers if _alive(p)]
        finally:
            if crawl.poll() is None:
                crawl.kill()
                crawl.wait()
    for pid in left:  # do not leave them to the next test either
        os.kill(pid, signal.SIGKILL)
    assert not left, f"cleaning workers {left} outlived the killed crawl"


def test_a_killed_worker_costs_the_crawl_nothing_but_speed(tmp_path):
    """The OOM killer takes a cleaning worker mid-crawl: every story is still exported once."""
    site = build_site(120, per_page=20, rss_items=20, rss_only=0)  # the kill lands after the first few stories
    out = tmp_path / "out.jsonl"
    with serve(site) as server:
        crawl = start_crawl(server, site, tmp_path, workers=1, stderr=subprocess.PIPE)
        try:
            workers: list[int] = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and crawl.poll() is None:
                workers = [p for p in _children(crawl.pid) if "spawn_main" in _cmdline(p)]
                if workers and out.exists() and out.stat().st_size > 5000:
                    break
                time.sleep(0.05)
            assert crawl.poll() is None and workers, "the crawl ended before a worker could be killed"
            os.kill(workers[0], signal.SIGKILL)
            _, stderr = crawl.communicate(timeout=120)
        finally:
            if crawl.poll() is None:
                crawl.kill()
                crawl.wait()
    assert crawl.returncode == 0, stderr[-2000:]
    ids = [json.loads(line)["story_id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(ids) == len(set(ids)), "a story was exported twice"
    assert set(ids) == {s.story_id for s in site.expected}
    assert "cleaning workers stopped" in stderr
    assert "'newscrawl/cleaning_workers/fallback'" in stderr
