"""The ledger's core (newscrawl.delivery), without Scrapy: claims, recovery of dead runs, store identity,
the run lock, retention and the rebuild of a store that lost its data, on every backend."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newscrawl.cleaning.neardup import DEFAULT_SCHEME, fingerprint
from newscrawl.delivery import (Delivery, IdentityRecord, RunRecord, new_run_id, read_keys, rebuild, recover,
                                story_key)
from newscrawl.jsonl import dumps_line
from newscrawl.store import StoreLocked, StoreLost, memory_stores, open_stores
from tests.conftest import FIXTURES
from tests.redis_server import redis_server, redis_url  # noqa: F401  (fixtures)
from tests.shared_data import REPO


def text(name: str) -> str:
    return (FIXTURES / "articles" / f"{name}.txt").read_text(encoding="utf-8")


@pytest.fixture(params=["sqlite", "redis"])
def open_backend(request, tmp_path):
    """A function opening the stores of one spider on one backend, as many times as a test likes."""
    opened = []
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None

    def open_(spider: str = "menafn"):
        if url is None:
            stores = open_stores(spider, state_dir=tmp_path / "state", scheme=DEFAULT_SCHEME)
        else:
            stores = open_stores(spider, redis_url=url, scheme=DEFAULT_SCHEME)
        opened.append(stores)
        return stores

    open_.backend, open_.url = request.param, url
    yield open_
    for stores in opened:
        stores.close()


def delivery(stores, tmp_path, run=None, **kw) -> Delivery:
    return Delivery(stores, run or new_run_id(), kind="crawl", spider="menafn",
                    identity_record=tmp_path / "state" / "menafn.identity.json", retention_days=365, **kw)


def write_feed(path: Path, keys: list[str], torn: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(dumps_line({"story_id": k, "body": f"text of {k}"}) for k in keys)
    if torn:
        data += dumps_line({"story_id": torn})[:-5]  # the line a killed run was writing
    path.write_bytes(data)


def test_story_key_is_the_id_else_the_url_for_items_and_records():
    from newscrawl.items import Article

    assert story_key(Article(url="https://x/a", story_id="1100")) == "1100"
    assert story_key(Article(url="https://x/a")) == "https://x/a"
    assert story_key({"id": 7, "url": "u"}) == "7" and story_key({"url": "u"}) == "u"
    assert story_key({"text": "no identity"}) is None and story_key("not a record") is None


def test_run_ids_sort_by_time_and_never_repeat_within_a_second():
    from datetime import datetime, timezone

    second = datetime(2026, 12, 6, 18, 8, 9, tzinfo=timezone.utc)
    ids = [new_run_id(second) for _ in range(200)]
    assert len(set(ids)) == 200
    assert all(re.fullmatch(r"2026-12-06T18-08-09-[0-9a-f]{6}", i) for i in ids)
    assert new_run_id(second.replace(second=10)) > max(ids)


def test_a_dead_runs_claims_are_settled_from_what_its_feed_and_rejects_hold(open_backend, tmp_path):
    stores = open_backend()
    dead = delivery(stores, tmp_path)
    feed, rejects = tmp_path / "feed.jsonl", tmp_path / "rejects.jsonl"
    dead.start(feeds=[str(feed)], rejects=str(rejects), handled_reasons=["near_duplicate"])
    assert dead.claim(["a", "b", "c", "d", "e"]) == [True] * 5
    for key in "ab":
        stores.index.check_and_insert(key, fingerprint(text({"a": "oil-reuters", "b": "emirates-cnbc"}[key])))
    write_feed(feed, ["a"], torn="b")  # b's line was cut by the kill: not delivered
    rejects.write_bytes(dumps_line({"story_id": "c", "reason": "near_duplicate"})
                        + dumps_line({"story_id": "d", "reason": "blocked"}))  # blocked: to be fetched again
    stores.end(dead.run)  # the run is killed: its heartbeat runs out (a shared store), its claims stay pending
    stores.close()

    stores = open_backend()
    report = recover(stores, host=dead.record.host)
    assert (report.done, report.refetch) == (2, 3)
    assert stores.seen.pending() == {}
    assert [stores.seen.is_handled(k) for k in "abcde"] == [True, False, True, False, False]
    assert "a" in stores.index and "b" not in stores.index  # b is out of the index: delivered afresh later
    assert stores.seen.runs()[dead.run]["status"] == "recovered"


def test_claims_of_a_run_on_another_host_are_left_to_that_host(open_backend, tmp_path):
    stores = open_backend()
    other = delivery(stores, tmp_path)
    other.record.host = "elsewhere"
    other.start(feeds=[str(tmp_path / "nowhere.jsonl")], rejects=None, handled_reasons=[])
    other.claim(["x"])
    stores.end(other.run)  # not alive any more, but its feed is on its own host
    stores.close()
    stores = open_backend()
    report = recover(stores, host="here")
    assert report.elsewhere == {other.run: ("elsewhere", 1)} and stores.seen.pending() == {other.run: ["x"]}


def test_a_live_worker_of_a_shared_store_keeps_its_claims(redis_url, tmp_path):
    a = open_stores("menafn", redis_url=redis_url, scheme=DEFAULT_SCHEME)
    b = open_stores("menafn", redis_url=redis_url, scheme=DEFAULT_SCHEME)
    try:
        live = delivery(a, tmp_path)
        live.start(feeds=[str(tmp_path / "a.jsonl")], rejects=None, handled_reasons=[])  # its first heartbeat
        live.claim(["x"])
        joining = delivery(b, tmp_path)
        assert joining.start(feeds=[], rejects=None, handled_reasons=[]).refetch == 0
        assert joining.claim(["x", "y"]) == [False, True]  # x is the live worker's: never delivered twice
        a.end(live.run)  # the worker is gone: its claim is settled by the next run that starts
        assert delivery(b, tmp_path).start(feeds=[], rejects=None, handled_reasons=[]).refetch == 1
        assert b.seen.pending() == {joining.run: ["y"]}  # the joining worker is alive: its claim stays
    finally:
        a.close()
        b.close()


def test_an_embedded_store_takes_one_run_at_a_time(tmp_path):
    first = open_stores("menafn", state_dir=tmp_path / "state", scheme=DEFAULT_SCHEME)
    second = open_stores("menafn", state_dir=tmp_path / "state", scheme=DEFAULT_SCHEME)
    try:
        delivery(first, tmp_path, run="run-one").start(feeds=[], rejects=None, handled_reasons=[])
        with pytest.raises(StoreLocked, match=r"in use by another run \(run run-one, pid \d+, host "):
            delivery(second, tmp_path).start(feeds=[], rejects=None, handled_reasons=[])
        first.close()  # the lock goes with the run
        delivery(second, tmp_path).start(feeds=[], rejects=None, handled_reasons=[])
    finally:
        first.close()
        second.close()


HOLD_AND_DIE = r"""
import sys
from pathlib import Path
from newscrawl.cleaning.neardup import DEFAULT_SCHEME
from newscrawl.store import open_stores
stores = open_stores("menafn", state_dir=Path(sys.argv[1]), scheme=DEFAULT_SCHEME)
stores.lock({"run": "doomed"})
print("held", flush=True)
sys.stdin.read()
"""


def test_a_killed_run_never_leaves_the_lock_behind(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_AND_DIE, str(tmp_path)], cwd=REPO, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "held"
        with open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME) as stores:
            with pytest.raises(StoreLocked, match="run doomed"):
                stores.lock({"run": "me"})
        holder.kill()
        holder.wait(timeout=30)
        with open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME) as stores:
            stores.lock({"run": "me"})
    finally:
        holder.kill()
        holder.wait(timeout=30)
        holder.stdout.close()
        holder.stdin.close()


def test_a_store_that_lost_its_data_is_refused_until_adopted(open_backend, tmp_path):
    stores = open_backend()
    first = delivery(stores, tmp_path)
    first.start(feeds=[], rejects=None, handled_reasons=[])
    first.claim(["a"])
    first.done(["a"])
    old = stores.identity
    stores.close()
    if open_backend.backend == "sqlite":
        for path in (tmp_path / "state").glob("menafn.sqlite3*"):
            path.unlink()
    else:
        import redis

        redis.Redis.from_url(open_backend.url).flushdb()
    stores = open_backend()
    assert stores.identity.id != old.id and stores.identity.fresh
    with pytest.raises(StoreLost, match=f"that was store {old.id}.*newscrawl state adopt --spider menafn"):
        delivery(stores, tmp_path).start(feeds=[], rejects=None, handled_reasons=[])
    IdentityRecord(tmp_path / "state" / "menafn.identity.json").save(stores.identity)  # what adopt records
    delivery(stores, tmp_path).start(feeds=[], rejects=None, handled_reasons=[])


def test_redis_losing_its_data_mid_run_refuses_every_later_write(redis_url, tmp_path):
    import redis

    stores = open_stores("menafn", redis_url=redis_url, scheme=DEFAULT_SCHEME)
    try:
        run = delivery(stores, tmp_path)
        run.start(feeds=[], rejects=None, handled_reasons=[])
        run.claim(["a"])
        redis.Redis.from_url(redis_url).flushdb()
        with pytest.raises(StoreLost, match="lost its data during the run"):
            run.claim(["b"])
        with pytest.raises(StoreLost):
            run.done(["a"])
        with pytest.raises(StoreLost):
            stores.index.check_and_insert("c", fingerprint(text("oil-reuters")))
        with pytest.raises(StoreLost):
            run.beat()
        assert redis.Redis.from_url(redis_url).keys("*") == []  # nothing written into the empty store
    finally:
        stores.close()


def test_a_deleted_state_file_is_noticed_mid_run(tmp_path):
    stores = open_stores("menafn", state_dir=tmp_path / "state", scheme=DEFAULT_SCHEME)
    try:
        run = delivery(stores, tmp_path)
        run.start(feeds=[], rejects=None, handled_reasons=[])
        (tmp_path / "state" / "menafn.sqlite3").unlink()
        with pytest.raises(StoreLost, match="was deleted during the run"):
            run.beat()
    finally:
        stores.close()


def test_rebuild_marks_fed_stories_done_and_indexes_their_bodies(open_backend, tmp_path):
    stores = open_backend()
    feed_a, feed_b, rejects = tmp_path / "f" / "1.jsonl", tmp_path / "f" / "2.jsonl", tmp_path / "r.jsonl"
    feed_a.parent.mkdir()
    feed_a.write_bytes(dumps_line({"story_id": "oil", "body": text("oil-reuters")}))
    feed_b.write_bytes(dumps_line({"story_id": "moon", "body": text("moon-landers-space")}) + b'{"story_id": "to')
    rejects.write_bytes(dumps_line({"story_id": "copy", "reason": "near_duplicate"})
                        + dumps_line({"story_id": "blocked", "reason": "blocked"}))
    counts = rebuild(stores, [feed_b, feed_a], [rejects])
    assert counts == {"feeds": 2, "stories": 2, "indexed": 2, "closed_by_rejects": 1}
    assert [stores.seen.is_handled(k) for k in ("oil", "moon", "copy", "blocked", "to")] == [
        True, True, True, False, False]
    words = text("oil-reuters").split()
    match = stores.index.check_and_insert("later-copy", fingerprint(" ".join(words[: len(words) * 3 // 4])))
    assert match is not None and match.key == "oil"


def test_retention_expires_by_the_time_handled(tmp_path):
    stores = memory_stores(DEFAULT_SCHEME)
    run = Delivery(stores, new_run_id(), kind="crawl", spider="menafn", identity_record=None, retention_days=365)
    run.start(feeds=[], rejects=None, handled_reasons=[])
    run.claim(["a"])
    run.done(["a"])
    stores.index.check_and_insert("a", fingerprint(text("oil-reuters")))
    assert run.finish()["index_expired"] == 0 and stores.seen.is_handled("a")
    gone = Delivery(stores, new_run_id(), kind="crawl", spider="menafn", identity_record=None, retention_days=-1)
    gone.start(feeds=[], rejects=None, handled_reasons=[])
    assert gone.finish() == {"index_expired": 1, "handled_expired": 1}
    assert not stores.seen.is_handled("a") and "a" not in stores.index


def test_read_keys_never_reads_a_device_or_a_torn_line(tmp_path):
    path = tmp_path / "f.jsonl"
    write_feed(path, ["a", "b"], torn="c")
    assert sorted(read_keys(path)) == ["a", "b"]
    assert read_keys(Path("/dev/zero")) == {} and read_keys(tmp_path / "missing.jsonl") == {}


def test_a_run_record_round_trips():
    record = RunRecord("r", "crawl", feeds=["/a", None], rejects="/r", handled_reasons=["gone"])
    assert RunRecord.from_dict("r", json.loads(json.dumps(record.as_dict()))) == record
    assert record.delivered() == set()  # a remote feed cannot be read back: nothing counts as delivered


# --- the invariant, over random histories ------------------------------------------------------

STORIES = [f"s{i}" for i in range(12)]
event = st.one_of(
    st.tuples(st.just("claim"), st.lists(st.sampled_from(STORIES), min_size=1, max_size=5)),
    st.tuples(st.just("write"), st.integers(0, 4)),  # write the next n claimed stories to the feed
    st.tuples(st.just("reject"), st.sampled_from(["near_duplicate", "blocked"])),
    st.just(("finish",)),
    st.just(("kill",)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(event, max_size=30))
def test_any_history_of_runs_and_kills_delivers_each_story_once(tmp_path_factory, history):
    """Whatever runs claim, write, reject, finish or are killed: a story is never in two feeds, every
    story a feed holds is done, and every story left handled is in a feed or closed by a reject."""
    tmp = tmp_path_factory.mktemp("history")
    stores = open_stores("menafn", state_dir=tmp / "state", scheme=DEFAULT_SCHEME)
    feeds: list[Path] = []
    closed: set[str] = set()

    def begin():
        run = Delivery(stores, new_run_id(), kind="crawl", spider="menafn", identity_record=tmp / "id.json",
                       retention_days=365)
        feed, rejects = tmp / f"{run.run}.jsonl", tmp / f"{run.run}.rejects.jsonl"
        run.start(feeds=[str(feed)], rejects=str(rejects), handled_reasons=["near_duplicate"])
        feeds.append(feed)
        return run, feed, rejects, []

    run, feed, rejects, queue = begin()
    try:
        for step in history + [("finish",)]:
            if step[0] == "claim":
                queue += [k for k, ok in zip(step[1], run.claim(step[1])) if ok]
            elif step[0] == "write":
                for key in queue[:step[1]]:
                    with feed.open("ab") as fh:
                        fh.write(dumps_line({"story_id": key}))
                    run.done([key])
                del queue[:step[1]]
            elif step[0] == "reject" and queue:
                key = queue.pop(0)
                with rejects.open("ab") as fh:
                    fh.write(dumps_line({"story_id": key, "reason": step[1]}))
                if step[1] == "near_duplicate":
                    run.done([key])
                    closed.add(key)
                else:
                    run.release([key])
            elif step[0] == "finish":
                run.release(queue)
                run.finish()
                stores.close()
                stores = open_stores("menafn", state_dir=tmp / "state", scheme=DEFAULT_SCHEME)
                run, feed, rejects, queue = begin()
            elif step[0] == "kill":  # claims stay pending; a torn line may be left
                if queue:
                    with feed.open("ab") as fh:
                        fh.write(dumps_line({"story_id": queue[0]})[:-3])
                stores.close()
                stores = open_stores("menafn", state_dir=tmp / "state", scheme=DEFAULT_SCHEME)
                run, feed, rejects, queue = begin()
        in_feeds = [k for f in feeds for k in read_keys(f)]
        assert len(in_feeds) == len(set(in_feeds)), "a story was delivered twice"
        assert all(stores.seen.is_handled(k) for k in in_feeds)
        assert stores.seen.pending() == {}
        handled = {k for k in STORIES if stores.seen.is_handled(k)}
        assert handled == set(in_feeds) | closed
    finally:
        stores.close()
