"""Scheduled crawls (issue 4): each run exports only what is new, drops tomorrow's syndicated
copy of today's story, and a run killed with SIGKILL loses and doubles nothing.

Real `scrapy crawl menafn` subprocesses against a generated site on loopback, one data
directory (feeds, rejects, state) shared by the runs of a test, as a cron job would.
"""

from __future__ import annotations

import json
import random
import signal
from dataclasses import replace

from newscrawl.demo_site.templates import Story
from tests.redis_server import redis_server, redis_url  # noqa: F401
from tests.site_server import MIXED_KINDS, build_site, run_crawl, serve, start_crawl, wait_for_lines
from tests.site_server import data_lines as feed_lines


def syndicated_copy(story: Story, new_id: int, provider: str, rng: random.Random) -> Story:
    """Another provider's copy of ``story``: new id and title, one sentence edited, last paragraph dropped."""
    paragraphs = list(story.paragraphs[:-1]) if len(story.paragraphs) > 4 else list(story.paragraphs)
    i = rng.randrange(len(paragraphs))
    paragraphs[i] = paragraphs[i].replace(" said ", " told reporters ", 1)
    return replace(story, story_id=str(new_id), slug=f"Copy-{story.slug}"[:90], title=f"{story.title} - report",
                   provider=provider, paragraphs=paragraphs, kind="ok")


def story_hits(server, site) -> int:
    paths = {s.path for s in site.stories}
    return sum(1 for h in server.hits if h.path in paths)


def test_three_scheduled_runs_export_only_new_stories_and_reject_copies(tmp_path):
    site = build_site(60, seed=3, kinds=MIXED_KINDS)
    rng = random.Random(5)
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]

        run1 = run_crawl(starts, tmp_path)
        assert run1.returncode == 0, run1.stderr[-2000:]
        assert sorted(run1.ids) == sorted(s.story_id for s in site.expected)

        server.reset_hits()
        run2 = run_crawl(starts, tmp_path)
        assert run2.returncode == 0, run2.stderr[-2000:]
        assert run2.items == []
        assert story_hits(server, site) <= 0.10 * len(site.stories)
        assert run2.stats["newscrawl/stories/skipped_handled"] >= len(site.expected) - 1

        originals = rng.sample(site.expected, 3)
        new = site.add_stories(4)
        top = max(int(s.story_id) for s in site.stories)
        copies = [syndicated_copy(s, top + 1 + i, "Azernews", rng) for i, s in enumerate(originals)]
        site.stories[:0] = copies
        server.pages.clear()
        server.pages.update(site.render())
        run3 = run_crawl(starts, tmp_path)
    assert run3.returncode == 0, run3.stderr[-2000:]
    assert sorted(run3.ids) == sorted(s.story_id for s in new)
    rejects = {r["story_id"]: r for r in feed_lines(tmp_path / "data", "rejects")}
    for copy, original in zip(copies, originals):
        assert rejects[copy.story_id]["reason"] == "near_duplicate"
        assert rejects[copy.story_id]["duplicate_of"] == original.story_id
    # Across the three runs' feeds, every story exactly once.
    ids = [r["story_id"] for r in feed_lines(tmp_path / "data")]
    assert len(ids) == len(set(ids)) == len(site.expected) - len(copies)
    # Each run left a summary that says what it did.
    summaries = sorted((tmp_path / "data" / "runs" / "menafn").glob("*.json"))
    assert len(summaries) == 3
    last = json.loads(summaries[-1].read_text())
    assert last["stories_exported"] == len(new)
    assert last["dropped_by_reason"]["near_duplicate"] == len(copies)


def test_runs_killed_at_random_points_lose_and_double_nothing(tmp_path):
    site = build_site(80, seed=11)
    data = tmp_path / "data"
    rng = random.Random(2)
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        # Slow the crawl down so that kills land mid-run, then SIGKILL it at random moments.
        exported_after_kill = []
        for _ in range(3):
            proc = start_crawl(starts, data, "NEWSCRAWL_CLEANING_WORKERS=1", "DOWNLOAD_DELAY=0.02",
                               "CONCURRENT_REQUESTS_PER_DOMAIN=2")
            wait_for_lines(data, rng.randint(5, 25), proc)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            exported_after_kill.append(len(feed_lines(data)))
        final = run_crawl(starts, tmp_path)
    assert final.returncode == 0, final.stderr[-2000:]
    # The kills really landed mid-crawl: the first left a partial feed, the last run had work left.
    assert 0 < exported_after_kill[0] < len(site.expected)
    assert final.items
    ids = [r["story_id"] for r in feed_lines(data)]
    assert sorted(ids) == sorted(s.story_id for s in site.expected)  # each story exactly once


def test_two_workers_sharing_redis_export_every_story_exactly_once(tmp_path, redis_url):
    site = build_site(120, seed=21, kinds=MIXED_KINDS)
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        shared = ["NEWSCRAWL_REDIS_URL=" + redis_url, "DOWNLOAD_DELAY=0.02", "CONCURRENT_REQUESTS=2",
                  "CONCURRENT_REQUESTS_PER_DOMAIN=2", "NEWSCRAWL_REDIS_MAX_IDLE=3"]
        workers = [start_crawl(starts, tmp_path / f"worker{i}", *shared) for i in (1, 2)]
        errors = [w.communicate(timeout=180)[1].decode("utf-8", "replace") for w in workers]
        story_requests = [h.path for h in server.hits if h.path in {s.path for s in site.stories}]
    assert [w.returncode for w in workers] == [0, 0], errors
    feeds = [feed_lines(tmp_path / f"worker{i}") for i in (1, 2)]
    ids = [r["story_id"] for feed in feeds for r in feed]
    assert sorted(ids) == sorted(s.story_id for s in site.expected)  # exactly once across both feeds
    assert all(feed for feed in feeds), "both workers took a share of the crawl"
    # The frontier is shared: a story page is fetched by one worker (retried kinds aside).
    assert len(story_requests) - len(set(story_requests)) <= 3
    # The password never reaches the logs.
    password = redis_url.split(":")[2].split("@")[0]
    assert all(password not in e for e in errors)
