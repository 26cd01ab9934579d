"""The embedded SQLite store: persistence, the recorded scheme, locks held by other processes, crashes."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

from newscrawl.cleaning.neardup import DEFAULT_SCHEME, MinHashScheme, fingerprint
from newscrawl.store import Fingerprint, SchemeMismatch, StoreError, StoreLocked, open_stores
from newscrawl.store.sqlite import SQLiteIndex
from tests.conftest import FIXTURES
from tests.shared_data import REPO


def text(name: str) -> str:
    return (FIXTURES / "articles" / f"{name}.txt").read_text(encoding="utf-8")


def copy_of(name: str) -> str:
    words = text(name).split(" ")
    return " ".join(words[: int(len(words) * 0.7)])


def test_index_and_seen_stories_survive_reopening(tmp_path):
    with open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME) as stores:
        stores.index.check_and_insert("oil", fingerprint(text("oil-reuters")))
        stores.seen.mark_done(["oil"])
        stores.seen.claim(["emirates"], "run-1")
    assert (tmp_path / "menafn.sqlite3").exists()
    with open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME) as stores:
        match = stores.index.check_and_insert("oil-copy", fingerprint(copy_of("oil-reuters")))
        assert match is not None and match.key == "oil"
        assert stores.seen.is_handled("oil") and stores.seen.pending() == {"run-1": ["emirates"]}
        described = stores.describe()
        assert described["backend"] == "sqlite" and described["index"]["stories"] == 1
        assert described["index"]["scheme"] == DEFAULT_SCHEME.as_dict()
        assert described["seen"] == {"pending": 1, "done": 1}


def test_a_batch_that_fails_leaves_nothing_of_itself_behind(tmp_path):
    """One transaction per batch: a failure rolls back the stories the batch had indexed,
    and this process's copy of the buckets forgets them too, so a story another process
    indexes next (under the id the rolled-back one had) is still found."""
    with open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME) as a, \
            open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME) as b:
        with pytest.raises(Exception):
            a.index.check_and_insert_many([
                ("oil", fingerprint(text("oil-reuters"))),
                (["not", "a", "key"], fingerprint(text("emirates-cnbc"))),
            ])
        assert "oil" not in a.index and len(a.index) == 0
        assert b.index.check_and_insert("emirates", fingerprint(text("emirates-cnbc"))) is None
        match = a.index.check_and_insert("emirates-copy", fingerprint(copy_of("emirates-cnbc")))
        assert match is not None and match.key == "emirates"
        assert a.index.check_and_insert("oil", fingerprint(text("oil-reuters"))) is None


def test_each_spider_has_its_own_file(tmp_path):
    with open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME) as a:
        a.index.check_and_insert("oil", fingerprint(text("oil-reuters")))
    with open_stores("wires", state_dir=tmp_path, scheme=DEFAULT_SCHEME) as b:
        assert b.index.check_and_insert("oil-elsewhere", fingerprint(text("oil-reuters"))) is None
    with pytest.raises(ValueError, match="namespace"):
        open_stores("../escape", state_dir=tmp_path, scheme=DEFAULT_SCHEME)


def test_a_store_built_with_another_scheme_is_refused_naming_both(tmp_path):
    with open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME) as stores:
        stores.index.check_and_insert("oil", fingerprint(text("oil-reuters")))
        stores.seen.mark_done(["oil"])
    other = MinHashScheme(shingle_size=4)
    with pytest.raises(SchemeMismatch) as err:
        open_stores("menafn", state_dir=tmp_path, scheme=other)
    message = str(err.value)
    assert str(tmp_path / "menafn.sqlite3") in message
    assert "shingle_size 5 (stored) vs 4 (now)" in message
    with open_stores("menafn", state_dir=tmp_path, scheme=other, rebuild_index=True) as stores:
        assert len(stores.index) == 0 and stores.seen.is_handled("oil")
    with pytest.raises(SchemeMismatch):
        open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME)


def test_stories_added_by_another_connection_are_seen(tmp_path):
    path = tmp_path / "shared.sqlite3"
    first, second = SQLiteIndex.open(path, DEFAULT_SCHEME), SQLiteIndex.open(path, DEFAULT_SCHEME)
    try:
        assert second.check_and_insert("warm-up", fingerprint(text("doobie-billboard"))) is None
        assert first.check_and_insert("plague", fingerprint(text("plague-express"))) is None
        match = second.check_and_insert("plague-copy", fingerprint(copy_of("plague-express")))
        assert match is not None and match.key == "plague"
        assert first.remove("plague")
        assert second.query(fingerprint(text("plague-express"))) == []
    finally:
        first.close()
        second.close()


LOCK_HOLDER = r"""
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
conn.execute("INSERT INTO params(name, value) VALUES ('held', 'yes')")
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_store_held_by_another_process_gives_a_clear_error_then_works(tmp_path):
    path = tmp_path / "menafn.sqlite3"
    with open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME) as stores:
        stores.index.check_and_insert("oil", fingerprint(text("oil-reuters")))
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(path)], text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreLocked, match=f"state store {path} is locked by another run"):
            open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME, lock_timeout=0.3)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    with open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME, lock_timeout=0.3) as stores:
        holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(path)], text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            assert holder.stdout.readline().strip() == "locked"
            with pytest.raises(StoreLocked, match="locked by another run"):
                stores.index.check_and_insert("emirates", fingerprint(text("emirates-cnbc")))
            assert stores.seen.is_handled("nothing") is False  # readers are not blocked
        finally:
            holder.stdin.close()
            holder.wait(timeout=30)
        assert stores.index.check_and_insert("emirates", fingerprint(text("emirates-cnbc"))) is None
        assert len(stores.index) == 2


WRITER = r"""
import sys
from pathlib import Path
import numpy as np
from newscrawl.cleaning.neardup import DEFAULT_SCHEME
from newscrawl.store import Fingerprint, open_stores
stores = open_stores("menafn", state_dir=Path(sys.argv[1]), scheme=DEFAULT_SCHEME)
rng = np.random.default_rng(7)
i = 0
while True:
    fp = Fingerprint(rng.integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32), 500)
    stores.index.check_and_insert(f"story-{i}", fp)
    stores.seen.mark_done([f"story-{i}"])
    print(i, flush=True)
    i += 1
"""


def test_a_killed_writer_leaves_a_consistent_store(tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], cwd=REPO, text=True,
                              stdout=subprocess.PIPE)
    try:
        last = -1
        while last < 300:
            last = int(writer.stdout.readline())
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        writer.stdout.close()
    conn = sqlite3.connect(tmp_path / "menafn.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stories = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
        orphans = conn.execute("SELECT count(*) FROM stories WHERE id NOT IN (SELECT story FROM story_buckets)")
        assert orphans.fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM story_buckets").fetchone()[0] == stories
    finally:
        conn.close()
    assert stories >= last + 1  # everything reported as written is there
    rng = np.random.default_rng(7)
    with open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME) as stores:
        first = Fingerprint(rng.integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32), 500)
        assert stores.index.query(first)[0].key == "story-0"
        assert stores.seen.is_handled(f"story-{last}")
        assert stores.index.check_and_insert("after-crash", fingerprint(text("oil-reuters"))) is None


def test_a_file_that_is_not_a_store_gives_a_clear_error(tmp_path):
    (tmp_path / "menafn.sqlite3").write_bytes(b"this is a feed, not a database\n" * 100)
    with pytest.raises(StoreError, match="unreadable"):
        open_stores("menafn", state_dir=tmp_path, scheme=DEFAULT_SCHEME)


def test_memory_per_indexed_story_stays_under_a_kilobyte(tmp_path):
    index = SQLiteIndex.open(tmp_path / "scale.sqlite3", DEFAULT_SCHEME)
    rng = np.random.default_rng(11)
    try:
        n = 20_000
        for i in range(n):
            index.check_and_insert(f"s{i}", Fingerprint(rng.integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32), 800))
        assert len(index) == n
        per_story = index.memory_bytes / n
        assert per_story < 1024, per_story
        reopened = SQLiteIndex.open(tmp_path / "scale.sqlite3", DEFAULT_SCHEME)
        try:
            probe = Fingerprint(rng.integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32), 800)
            reopened.check_and_insert("probe", probe)
            assert reopened.memory_bytes / n < 1024
            assert reopened.query(probe)[0].key == "probe"
        finally:
            reopened.close()
    finally:
        index.close()


def test_runs_creating_one_store_at_the_same_moment_all_get_it(tmp_path):
    """SQLite answers some lock conflicts at once (creating the file, switching to WAL)
    instead of waiting: the store must wait for them like any other lock."""
    import threading

    failures = []
    for attempt in range(40):
        state = tmp_path / str(attempt)
        barrier = threading.Barrier(6)

        def open_together():
            barrier.wait()
            try:
                open_stores("menafn", state_dir=state, scheme=DEFAULT_SCHEME, lock_timeout=10).close()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(exc)

        threads = [threading.Thread(target=open_together) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
