"""The behaviour every store promises, run against each backend: memory, SQLite, a real Redis."""

from __future__ import annotations

import pytest

from newscrawl.cleaning.neardup import DEFAULT_SCHEME, fingerprint
from newscrawl.store import MemoryIndex, MemorySeenStore, open_stores
from newscrawl.store.base import mask_url, normalize_time
from tests.conftest import FIXTURES
from tests.redis_server import redis_server, redis_url  # noqa: F401  (fixtures)

NAMES = ["oil-reuters", "emirates-cnbc", "plague-express", "moon-landers-space", "doobie-billboard"]


def text(name: str) -> str:
    return (FIXTURES / "articles" / f"{name}.txt").read_text(encoding="utf-8")


def truncated(name: str) -> str:
    words = text(name).split(" ")
    return " ".join(words[: int(len(words) * 0.7)])


@pytest.fixture(params=["memory", "sqlite", "redis"])
def stores(request, tmp_path):
    if request.param == "memory":
        yield MemoryIndex(DEFAULT_SCHEME), MemorySeenStore()
        return
    if request.param == "sqlite":
        opened = open_stores("menafn", state_dir=tmp_path / "state", scheme=DEFAULT_SCHEME)
    else:
        opened = open_stores("menafn", redis_url=request.getfixturevalue("redis_url"), scheme=DEFAULT_SCHEME)
    try:
        yield opened.index, opened.seen
    finally:
        opened.close()


def test_check_and_insert_keeps_the_first_and_names_it_for_copies(stores):
    index, _ = stores
    for name in NAMES:
        assert index.check_and_insert(name, fingerprint(text(name))) is None
    assert len(index) == len(NAMES)
    match = index.check_and_insert("copy-of-oil", fingerprint(truncated("oil-reuters")))
    assert match is not None and match.key == "oil-reuters"
    assert match.containment >= DEFAULT_SCHEME.containment_threshold
    assert "copy-of-oil" not in index and len(index) == len(NAMES)


def test_a_key_already_indexed_is_not_its_own_duplicate(stores):
    index, _ = stores
    fp = fingerprint(text("emirates-cnbc"))
    assert index.check_and_insert("1101", fp) is None
    assert index.check_and_insert("1101", fp) is None
    assert len(index) == 1


def test_a_batch_is_checked_in_order_against_the_index_and_itself(stores):
    index, _ = stores
    index.check_and_insert("oil", fingerprint(text("oil-reuters")))
    results = index.check_and_insert_many([
        ("emirates", fingerprint(text("emirates-cnbc"))),
        ("copy-of-oil", fingerprint(truncated("oil-reuters"))),  # of a story indexed before
        ("copy-of-emirates", fingerprint(truncated("emirates-cnbc"))),  # of one earlier in the batch
        ("emirates", fingerprint(text("emirates-cnbc"))),  # the same story again: not its own copy
        ("plague", fingerprint(text("plague-express"))),
    ])
    assert [m.key if m else None for m in results] == [None, "oil", "emirates", None, None]
    assert sorted(k for k in ("oil", "emirates", "plague", "copy-of-oil", "copy-of-emirates") if k in index) == [
        "emirates", "oil", "plague"]
    assert index.check_and_insert_many([]) == []


def test_query_finds_matches_best_first_and_indexes_nothing(stores):
    index, _ = stores
    index.check_and_insert("full", fingerprint(text("plague-express")))
    index.check_and_insert("other", fingerprint(text("oil-reuters")))
    matches = index.query(fingerprint(text("plague-express")))
    assert [m.key for m in matches] == ["full"] and matches[0].jaccard == 1.0
    assert index.query(fingerprint(text("doobie-billboard"))) == []
    assert len(index) == 2


def test_remove_forgets_a_story(stores):
    index, _ = stores
    fp = fingerprint(text("moon-landers-space"))
    index.check_and_insert("moon", fp)
    assert index.remove("moon") is True and index.remove("moon") is False
    assert "moon" not in index and index.query(fp) == []
    assert index.check_and_insert("moon-again", fp) is None


def test_expire_drops_stories_indexed_before_the_cutoff_whatever_they_say_of_their_date(stores):
    index, _ = stores
    index.check_and_insert("oil", fingerprint(text("oil-reuters")))
    index.check_and_insert("emirates", fingerprint(text("emirates-cnbc")))
    past, future = "2000-01-01T00:00:00Z", "2999-01-01T00:00:00+02:00"
    assert index.expire(past, dry_run=True) == 0 and index.expire(past) == 0 and len(index) == 2
    assert index.expire(future, dry_run=True) == 2 and len(index) == 2  # counted, not removed
    assert index.expire(future) == 2
    assert "oil" not in index and "emirates" not in index
    assert index.check_and_insert("oil-copy", fingerprint(text("oil-reuters"))) is None  # no longer a duplicate
    with pytest.raises(ValueError, match="not an ISO 8601 time"):
        index.expire("last tuesday")


def test_reset_forgets_everything(stores):
    index, seen = stores
    index.check_and_insert("a", fingerprint(text("oil-reuters")))
    seen.mark_done(["a"])
    index.reset()
    seen.reset()
    assert len(index) == 0 and seen.counts() == {"pending": 0, "done": 0}
    assert index.check_and_insert("b", fingerprint(text("oil-reuters"))) is None


def test_a_fingerprint_of_another_scheme_is_refused(stores):
    from newscrawl.cleaning.neardup import MinHashScheme
    from newscrawl.store import SchemeMismatch

    index, _ = stores
    small = fingerprint(text("oil-reuters"), MinHashScheme(num_perm=64, bands=21))
    with pytest.raises(SchemeMismatch, match="num_perm=128"):
        index.check_and_insert("oil", small)
    with pytest.raises(SchemeMismatch):
        index.query(small)
    assert len(index) == 0


def test_a_claim_is_taken_once_in_order_and_a_done_story_only_by_a_refresh(stores):
    _, seen = stores
    seen.mark_done(["written"])
    assert seen.claim(["s1", "s2", "written", "s1"], "run-a") == [True, True, False, False]
    assert seen.claim(["s2", "s3"], "run-b") == [False, True]  # another run's pending story is not taken
    assert seen.pending() == {"run-a": ["s1", "s2"], "run-b": ["s3"]}
    assert seen.counts() == {"pending": 3, "done": 1}
    assert seen.claim([], "run-a") == []
    assert seen.claim(["written", "s1"], "run-c", redeliver=True) == [True, False]  # done: a refresh takes it
    assert seen.pending()["run-c"] == ["written"] and seen.counts() == {"pending": 4, "done": 0}


def test_a_run_resumed_under_its_own_id_takes_back_only_its_own_pending_stories(stores):
    # a datatrove task started again after a crash: what it claimed and never delivered is its own again
    _, seen = stores
    seen.mark_done(["written"])
    assert seen.claim(["mine", "theirs"], "task-0") == [True, True]
    assert seen.claim(["theirs"], "task-0") == [False]  # without resume, a repeat
    seen.claim(["other"], "task-1")
    assert seen.claim(["mine", "other", "written", "new"], "task-0", resume=True) == [True, False, False, True]
    assert seen.claim(["written", "mine"], "task-0", redeliver=True, resume=True) == [True, True]
    assert seen.pending() == {"task-0": ["mine", "new", "theirs", "written"], "task-1": ["other"]}


def test_seen_store_moves_stories_from_pending_to_done_or_forgotten(stores):
    _, seen = stores
    assert not seen.is_handled("s1")
    seen.claim(["s1", "s2"], "run")
    assert seen.is_handled("s1") and seen.is_handled("s2")
    seen.mark_done(["s1"])
    assert seen.pending() == {"run": ["s2"]} and seen.counts() == {"pending": 1, "done": 1}
    seen.forget(["s2"])
    assert not seen.is_handled("s2") and seen.counts() == {"pending": 0, "done": 1}
    assert seen.claim(["s2"], "later") == [True]  # forgotten: the next run may take it
    assert seen.prune("2000-01-01T00:00:00") == 0
    assert seen.prune("2999-01-01T00:00:00", dry_run=True) == 1 and seen.is_handled("s1")
    assert seen.prune("2999-01-01T00:00:00") == 1 and not seen.is_handled("s1")
    assert seen.pending() == {"later": ["s2"]}  # pending stories are never pruned


def test_run_records_are_kept_replaced_and_forgotten(stores):
    _, seen = stores
    seen.record_run("r1", {"host": "h", "feeds": ["/f.jsonl"]})
    seen.record_run("r2", {"host": "h", "feeds": []})
    seen.record_run("r1", {"host": "h", "feeds": ["/f.jsonl"], "status": "finished"})
    assert seen.runs() == {"r1": {"host": "h", "feeds": ["/f.jsonl"], "status": "finished"},
                           "r2": {"host": "h", "feeds": []}}
    seen.forget_runs(["r1"])
    assert list(seen.runs()) == ["r2"]


def test_normalize_time_compares_instants():
    assert normalize_time("2026-02-12T09:41:00+04:00") == "2026-02-12T05:41:00"
    assert normalize_time("2026-02-12 09:41") == "2026-02-12T09:41:00"
    assert normalize_time("Feb 12") is None and normalize_time(None) is None


def test_mask_url_hides_passwords():
    assert mask_url("redis://:s3cret@10.0.0.1:6379/2") == "redis://:***@10.0.0.1:6379/2"
    assert mask_url("rediss://user:p%40ss@host/0") == "rediss://:***@host/0"  # the userinfo whole (issue 16)
    assert mask_url("redis://host:6379/0") == "redis://host:6379/0"


# --- two OS processes racing -------------------------------------------------------

RACER = r"""
import json, sys, time
from pathlib import Path
from newscrawl.cleaning.neardup import DEFAULT_SCHEME, fingerprint
from newscrawl.store import open_stores
args = json.loads(sys.stdin.readline())
stores = open_stores("race", state_dir=Path(args["state_dir"]) if args["state_dir"] else None,
                     redis_url=args["redis_url"], scheme=DEFAULT_SCHEME)
fps = [(key, fingerprint(body)) for key, body in args["docs"]]
print("ready", flush=True)
start_at = float(sys.stdin.readline())
result = []
for i, (key, fp) in enumerate(fps):
    while time.time() < start_at + 0.004 * i:  # both processes try story i at the same instant
        pass
    match = stores.index.check_and_insert(key, fp)
    result.append([key, match.key if match else None])
stores.close()
print(json.dumps(result), flush=True)
"""


def distinct_stories(size: int = 60) -> list[str]:
    """Non-overlapping 60-word passages of real articles: each a different story."""
    out = []
    for name in NAMES + ["plague-smithsonian", "moon-landers-spacenews", "doobie-rollingstone", "diet-ru"]:
        words = text(name).split()
        out.extend(" ".join(words[i:i + size]) for i in range(0, len(words) - size + 1, size))
    return out


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_two_processes_racing_with_copies_keep_exactly_one(backend, tmp_path, request):
    import json
    import subprocess
    import sys
    import time

    from tests.shared_data import REPO

    state = {"state_dir": str(tmp_path / "state"), "redis_url": None}
    if backend == "redis":
        state = {"state_dir": None, "redis_url": request.getfixturevalue("redis_url")}
    stories = distinct_stories()
    assert len(stories) >= 30
    docs = {
        "A": [[f"A{i}", body] for i, body in enumerate(stories)],
        "B": [[f"B{i}", body.replace(" the ", " a ", 1) + " (Newswire)"] for i, body in enumerate(stories)],
    }
    procs = {}
    for side in "AB":
        procs[side] = subprocess.Popen([sys.executable, "-c", RACER], cwd=REPO, text=True,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        procs[side].stdin.write(json.dumps({**state, "docs": docs[side]}) + "\n")
        procs[side].stdin.flush()
    try:
        for proc in procs.values():
            assert proc.stdout.readline().strip() == "ready"
        start_at = time.time() + 0.5
        for proc in procs.values():
            proc.stdin.write(f"{start_at}\n")
            proc.stdin.flush()
        results = {side: dict(json.loads(proc.stdout.readline())) for side, proc in procs.items()}
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait(timeout=60)
    for i in range(len(stories)):
        a, b = results["A"][f"A{i}"], results["B"][f"B{i}"]
        assert (a is None) != (b is None), (i, a, b)  # exactly one kept
        assert (a or b) in (f"A{i}", f"B{i}")  # and the other names it
    opened = open_stores("race", state_dir=tmp_path / "state" if backend == "sqlite" else None,
                         redis_url=state["redis_url"], scheme=DEFAULT_SCHEME)
    try:
        assert len(opened.index) == len(stories)
    finally:
        opened.close()
