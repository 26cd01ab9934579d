"""The promise under random histories of real crawls: runs, SIGKILLs at random points, a disk that
fills, a second run at the same time, a lost state store, new stories and syndicated copies.

After every recovery the union of the data directory's feeds holds each story at most once, and
after a last undisturbed run it holds every reachable story exactly once, every copy is in a
rejects file, and nothing is left pending. Each step is a real ``scrapy crawl`` on loopback, so a
handful of histories is all the suite can afford; each is different every run of the suite
(Hypothesis keeps the failing ones).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from newscrawl.items import EXPORT_FIELDS
from tests.site_server import REPO, build_site, data_lines, finish, last_line, serve, start_crawl, wait_for_lines
from tests.test_scheduled_runs import syndicated_copy

STEPS = st.lists(st.one_of(
    st.just(("run",)),
    st.tuples(st.just("kill"), st.integers(1, 12)),  # SIGKILL once this many stories are in the feed
    st.tuples(st.just("disk_fills"), st.integers(0, 8)),  # the feed's disk fills after this many lines
    st.just(("second_run_at_once",)),
    st.just(("store_lost",)),  # the state file is deleted, then the store is adopted
    st.tuples(st.just("publish"), st.integers(1, 3)),  # new stories, and a copy of an old one
), min_size=2, max_size=5)

SLOW = ("DOWNLOAD_DELAY=0.03", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
WORKERS = "NEWSCRAWL_CLEANING_WORKERS=1"  # as a real crawl cleans: in a worker process, killed with the crawl


def adopt(data) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newscrawl", "state", "adopt"], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "NEWSCRAWL_DATA_DIR": str(data),
                                                      "PYTHONPATH": str(REPO)})


def feed_ids(data) -> list[str]:
    return [r["story_id"] for r in data_lines(data)]


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # shrinking real crawls takes too long
@given(steps=STEPS, seed=st.integers(0, 1000))
def test_random_histories_of_runs_and_faults_deliver_every_story_once(tmp_path_factory, steps, seed):
    tmp = tmp_path_factory.mktemp("history")
    data = tmp / "data"
    site = build_site(25, seed=seed, kinds={"soft404": 1})
    rng = random.Random(seed)
    copies = []
    filling = json.dumps({f"filling://{data}/feeds/menafn/%(time)s.jsonl": {"format": "jsonlines",
                                                                            "fields": EXPORT_FIELDS}})
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        for step in steps:
            if step[0] == "run":
                code, stderr = finish(start_crawl(starts, data))
                assert code == 0 or "store this data directory used" in stderr, stderr[-2000:]
            elif step[0] == "kill":
                proc = start_crawl(starts, data, WORKERS, *SLOW)
                wait_for_lines(data, len(feed_ids(data)) + step[1], proc)
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
            elif step[0] == "disk_fills":
                code, stderr = finish(start_crawl(
                    starts, data, f"FEEDS={filling}", 'FEED_STORAGES={"filling": "tests.site_server.FillingFeedStorage"}',
                    env={"NEWSCRAWL_TEST_FEED_LINES": str(step[1])}))
                if code:
                    assert "No space left on device" in last_line(stderr) or "store" in last_line(stderr), stderr
            elif step[0] == "second_run_at_once":
                first = start_crawl(starts, data, WORKERS, *SLOW)
                wait_for_lines(data, len(feed_ids(data)) + 1, first)
                second = finish(start_crawl(starts, data))
                finish(first)
                if second[0]:
                    assert "in use by another run" in last_line(second[1]) or "store" in last_line(second[1])
            elif step[0] == "store_lost":
                existed = (data / "state" / "menafn.sqlite3").exists()
                for path in (data / "state").glob("menafn.sqlite3*"):
                    path.unlink()
                code, stderr = finish(start_crawl(starts, data))
                if existed:  # refused, nothing fetched, until the store is rebuilt from the feeds
                    assert code == 1 and "newscrawl state adopt" in last_line(stderr), stderr[-2000:]
                    assert adopt(data).returncode == 0
            elif step[0] == "publish":
                delivered = set(feed_ids(data))  # a copy of a story already delivered: the copy must go
                new = site.add_stories(step[1])
                originals = [s for s in site.expected if s.story_id in delivered]
                if originals:
                    copy = syndicated_copy(rng.choice(originals), int(new[0].story_id) + 100 + len(copies),
                                           "Azernews", rng)
                    site.stories.insert(0, copy)
                    copies.append(copy)
                server.pages.clear()
                server.pages.update(site.render())
            ids = feed_ids(data)
            assert len(ids) == len(set(ids)), f"a story was exported twice after {step}"
        code, stderr = finish(start_crawl(starts, data))  # a last, undisturbed run settles everything
        if code and "store this data directory used" in stderr:
            assert adopt(data).returncode == 0
            code, stderr = finish(start_crawl(starts, data))
        assert code == 0, stderr[-2000:]
    ids = feed_ids(data)
    expected = {s.story_id for s in site.expected} - {c.story_id for c in copies}
    assert sorted(ids) == sorted(expected)  # every story, exactly once, over all runs
    rejected = {r["story_id"]: r["reason"] for r in data_lines(data, "rejects")}
    assert all(rejected.get(c.story_id) == "near_duplicate" for c in copies)
    state = subprocess.run([sys.executable, "-m", "newscrawl", "state"], cwd=REPO, capture_output=True, text=True,
                           env={**os.environ, "NEWSCRAWL_DATA_DIR": str(data), "PYTHONPATH": str(REPO)}, timeout=60)
    assert json.loads(state.stdout)["seen"]["pending"] == 0
