"""The embedded state store: one SQLite file per spider, shared safely by processes on one machine.

Why this layout: the index must outlive runs, stay near 300 bytes of memory
per story at a million stories, and keep the check-and-insert atomic when two
processes use the same file. On disk, ``stories`` holds key, time, shingle
count and the 512-byte signature, and ``story_buckets`` the story's LSH
buckets; both only ever grow at their end (AUTOINCREMENT ids), so a commit
writes a handful of pages instead of one random page per band. In memory,
each process keeps the bucket -> story multimap in compact sorted runs
(``buckets.BucketTable``), loaded on first use and brought up to date with the
rows other processes appended (``id > last seen``) at the start of every
transaction. Candidates are verified against the signatures on disk, so a
story deleted elsewhere simply stops matching.

WAL mode lets readers run beside the one writer; every write is one short
``BEGIN IMMEDIATE`` transaction, so a killed process leaves either the whole
story or nothing. A process that cannot get the lock within ``lock_timeout``
seconds gets ``StoreLocked`` naming the file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from newscrawl.store.base import (Fingerprint, Match, NearDupIndex, SchemeMismatch, SeenStore, SketchScheme,
                                  StoreError, StoreIdentity, StoreLocked, StoreLost, best_match, check_params, cutoff,
                                  utc_now_iso)
from newscrawl.store.buckets import BucketTable, bucket_ids

SCHEMA_VERSION = 1
DEFAULT_LOCK_TIMEOUT = 30.0
_PAGE_CACHE_KIB = 8 * 1024  # bounded: memory does not grow with the index
_BATCH = 500  # stories per transaction when expiring, so other processes wait little
_LOAD_CHUNK = 20000  # story rows read at a time when loading the bucket table
_BUCKET_DTYPE = np.dtype("<u4")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS params (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: other processes load "id > last seen"
    key TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,            -- when indexed (naive UTC): entries expire by it
    shingles INTEGER NOT NULL,
    signature BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS stories_at ON stories(at);
CREATE TABLE IF NOT EXISTS story_buckets (
    story INTEGER PRIMARY KEY,
    buckets BLOB NOT NULL        -- one little-endian uint32 per band
);
CREATE TABLE IF NOT EXISTS seen (
    key TEXT PRIMARY KEY,
    done INTEGER NOT NULL,
    at TEXT NOT NULL,            -- when claimed, then when done
    run TEXT                     -- the run a pending story belongs to
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_pending ON seen(key) WHERE done = 0;
CREATE TABLE IF NOT EXISTS runs (
    run TEXT PRIMARY KEY,
    info TEXT NOT NULL,          -- JSON: host, pid, feeds, rejects file...
    at TEXT NOT NULL
) WITHOUT ROWID;
"""


class SQLiteDatabase:
    """One connection to a state file, with its lock and error handling."""

    def __init__(self, path: Path, scheme: SketchScheme, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                 rebuild_index: bool = False):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._lock = threading.RLock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=lock_timeout, isolation_level=None,
                                        check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open state store {self.path}: {exc}") from exc
        try:
            with self._errors():
                self._retry_locked(lambda: self.conn.execute("PRAGMA journal_mode=WAL"))
                self.conn.execute("PRAGMA synchronous=NORMAL")
                self.conn.execute(f"PRAGMA cache_size=-{_PAGE_CACHE_KIB}")
            with self.transaction() as conn:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                if "run" not in {row[1] for row in conn.execute("PRAGMA table_info(seen)")}:
                    conn.execute("ALTER TABLE seen ADD COLUMN run TEXT")  # a store written before run ids
                self.identity = self._check_params(conn, scheme, rebuild_index)
            stat = os.stat(self.path)
            self._file_id = (stat.st_dev, stat.st_ino)
        except BaseException:
            self.conn.close()
            raise

    def _check_params(self, conn: sqlite3.Connection, scheme: SketchScheme, rebuild_index: bool) -> StoreIdentity:
        recorded = dict(conn.execute("SELECT name, value FROM params"))
        current = {"schema_version": str(SCHEMA_VERSION), "scheme": json.dumps(scheme.as_dict(), sort_keys=True)}
        fresh = not recorded
        if fresh:
            recorded = {**current, "created": utc_now_iso()}
            conn.executemany("INSERT INTO params(name, value) VALUES (?, ?)", list(recorded.items()))
        if "store_id" not in recorded:  # new, or written before stores had an identity
            recorded["store_id"] = uuid.uuid4().hex
            conn.execute("INSERT INTO params(name, value) VALUES ('store_id', ?)", (recorded["store_id"],))
        identity = StoreIdentity(recorded["store_id"], recorded.get("created") or utc_now_iso(), str(self.path), fresh)
        if fresh:
            return identity
        if recorded.get("schema_version") != current["schema_version"]:
            raise StoreError(f"state store {self.path} has schema version {recorded.get('schema_version')}, "
                             f"this newscrawl reads version {SCHEMA_VERSION}")
        try:
            check_params(json.loads(recorded.get("scheme") or "{}"), scheme.as_dict(), f"state store {self.path}")
        except SchemeMismatch:
            if not rebuild_index:
                raise
            conn.execute("DELETE FROM story_buckets")
            conn.execute("DELETE FROM stories")
            conn.execute("UPDATE params SET value = ? WHERE name = 'scheme'", (current["scheme"],))
        return identity

    def check_identity(self) -> None:
        """Raise ``StoreLost`` when the file this connection writes is no longer the one at its path
        (deleted or replaced: what this run writes would be lost)."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise StoreLost(f"state store {self.path} was deleted during the run") from None
        if (stat.st_dev, stat.st_ino) != self._file_id:
            raise StoreLost(f"state store {self.path} was replaced by another file during the run")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if "locked" in text or "busy" in text:
                raise StoreLocked(f"state store {self.path} is locked by another run "
                                  f"(waited {self.lock_timeout:g}s): {exc}") from exc
            raise StoreError(f"state store {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"state store {self.path} is unreadable ({exc}); move it away to start afresh") from exc

    def _retry_locked(self, statement) -> None:
        """Run ``statement``, retrying "locked" until ``lock_timeout`` has passed.

        SQLite answers some lock conflicts at once instead of waiting (two
        processes creating one file, a switch to WAL mode): retrying keeps
        "locked" for a lock that is really held for ``lock_timeout`` seconds.
        """
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                statement()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                    raise
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.02)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: the write lock is taken up front, released on exit."""
        with self._lock, self._errors():
            self._retry_locked(lambda: self.conn.execute("BEGIN IMMEDIATE"))
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    try:
                        self.conn.execute("ROLLBACK")
                    except sqlite3.Error:  # the first error is the one to report
                        pass
                raise

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._errors():
            yield self.conn

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())

    def close(self) -> None:
        with self._lock:
            try:
                self.conn.close()
            except sqlite3.Error:  # pragma: no cover - closing never matters more than the run
                pass


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


class SQLiteIndex(NearDupIndex):
    """The near-duplicate index in a SQLite file (see the module docstring)."""

    def __init__(self, db: SQLiteDatabase, scheme: SketchScheme, owns_db: bool = False):
        self.db = db
        self.scheme = scheme
        self._owns_db = owns_db
        self._table: BucketTable | None = None  # loaded on first use: `newscrawl state` never pays for it
        self._synced = 0  # highest story id in the table

    @classmethod
    def open(cls, path: Path, scheme: SketchScheme, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
             rebuild_index: bool = False) -> "SQLiteIndex":
        return cls(SQLiteDatabase(path, scheme, lock_timeout, rebuild_index), scheme, owns_db=True)

    def _sync(self, conn: sqlite3.Connection) -> BucketTable:
        """Load the buckets of stories appended since the last call (all of them the first time)."""
        if self._table is None:
            self._table, self._synced = BucketTable(), 0
        cur = conn.execute("SELECT story, buckets FROM story_buckets WHERE story > ? ORDER BY story",
                           (self._synced,))
        ids: list[int] = []
        blobs: list[bytes] = []
        while rows := cur.fetchmany(_LOAD_CHUNK):
            ids.extend(r[0] for r in rows)
            blobs.extend(r[1] for r in rows)
        if len(ids) == 1:
            self._table.add(np.frombuffer(blobs[0], dtype=_BUCKET_DTYPE), ids[0])
        elif ids:
            buckets = np.frombuffer(b"".join(blobs), dtype=_BUCKET_DTYPE).reshape(len(ids), -1)
            del blobs
            self._table.add_many(np.array(ids, dtype=np.uint64), buckets)
        if ids:
            self._synced = ids[-1]
        return self._table

    def _matches(self, conn: sqlite3.Connection, fp: Fingerprint, ids: set[int]) -> list[Match]:
        if not ids:
            return []
        rows = conn.execute(f"SELECT key, shingles, signature FROM stories WHERE id IN ({_placeholders(len(ids))})",
                            sorted(ids)).fetchall()
        matches = []
        for key, shingles, blob in rows:
            verdict = self.scheme.judge(fp, Fingerprint.from_bytes(blob, shingles))
            if verdict is not None:
                matches.append(Match(key, *verdict))
        return matches

    def check_and_insert(self, key: str, fp: Fingerprint) -> Match | None:
        return self.check_and_insert_many([(key, fp)])[0]

    def check_and_insert_many(self, entries: list[tuple[str, Fingerprint]]) -> list[Match | None]:
        """One transaction for the whole batch: a commit costs more than a story's lookup and insert."""
        buckets_of = [bucket_ids(self._bands_of(fp)) for _, fp in entries]
        results: list[Match | None] = []
        now = utc_now_iso()
        try:
            with self.db.transaction() as conn:
                table = self._sync(conn)
                for (key, fp), buckets in zip(entries, buckets_of):
                    if conn.execute("SELECT 1 FROM stories WHERE key = ?", (key,)).fetchone():
                        results.append(None)
                        continue
                    match = best_match(self._matches(conn, fp, table.lookup(buckets)))
                    if match is None:
                        story = conn.execute(
                            "INSERT INTO stories(key, at, shingles, signature) VALUES (?, ?, ?, ?)",
                            (key, now, fp.shingles, fp.to_bytes())).lastrowid
                        conn.execute("INSERT INTO story_buckets(story, buckets) VALUES (?, ?)",
                                     (story, buckets.astype(_BUCKET_DTYPE).tobytes()))
                        table.add(buckets, story)  # later entries of the batch are checked against it
                        self._synced = story  # ours is the newest id, all older ones are loaded
                    results.append(match)
        except BaseException:
            self._table, self._synced = None, 0  # it may hold stories rolled back: load it afresh
            raise
        return results

    def query(self, fp: Fingerprint) -> list[Match]:
        buckets = bucket_ids(self._bands_of(fp))
        with self.db.reading() as conn:
            matches = self._matches(conn, fp, self._sync(conn).lookup(buckets))
        return sorted(matches, key=lambda m: (-m.containment, -m.jaccard, m.key))

    @staticmethod
    def _delete(conn: sqlite3.Connection, ids: list[int]) -> None:
        rows = [(i,) for i in ids]
        conn.executemany("DELETE FROM story_buckets WHERE story = ?", rows)
        conn.executemany("DELETE FROM stories WHERE id = ?", rows)

    def remove(self, key: str) -> bool:
        return self.remove_many([key]) == 1

    def remove_many(self, keys: Iterable[str]) -> int:
        # The table keeps the gone stories' buckets; their rows are gone, so they never match again.
        keys = list(keys)
        if not keys:
            return 0
        with self.db.transaction() as conn:
            ids = [i for key in keys for (i,) in conn.execute("SELECT id FROM stories WHERE key = ?", (key,))]
            self._delete(conn, ids)
        return len(ids)

    def expire(self, before_iso: str, dry_run: bool = False) -> int:
        limit = cutoff(before_iso)
        if dry_run:
            with self.db.reading() as conn:
                return conn.execute("SELECT count(*) FROM stories WHERE at < ?", (limit,)).fetchone()[0]
        removed = 0
        while True:
            with self.db.transaction() as conn:
                ids = [i for (i,) in conn.execute("SELECT id FROM stories WHERE at < ? LIMIT ?", (limit, _BATCH))]
                self._delete(conn, ids)
            removed += len(ids)
            if len(ids) < _BATCH:
                break
        if removed:
            self._table = None  # reload without the expired stories' buckets
        return removed

    def reset(self) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM story_buckets")
            conn.execute("DELETE FROM stories")
        self._table = None

    def __len__(self) -> int:
        with self.db.reading() as conn:
            return conn.execute("SELECT count(*) FROM stories").fetchone()[0]

    def __contains__(self, key: object) -> bool:
        with self.db.reading() as conn:
            return conn.execute("SELECT 1 FROM stories WHERE key = ?", (key,)).fetchone() is not None

    @property
    def memory_bytes(self) -> int:
        """Bytes held by the in-memory bucket table (for ``describe`` and the scale benchmark)."""
        return self._table.nbytes if self._table is not None else 0

    def close(self) -> None:
        if self._owns_db:
            self.db.close()

    def __repr__(self) -> str:
        return f"SQLiteIndex({self.db.path})"


class SQLiteSeenStore(SeenStore):
    """Handled stories and run records in the same file as the index (tables ``seen``, ``runs``)."""

    def __init__(self, db: SQLiteDatabase):
        self.db = db

    def is_handled(self, key: str) -> bool:
        with self.db.reading() as conn:
            return conn.execute("SELECT 1 FROM seen WHERE key = ?", (key,)).fetchone() is not None

    def claim(self, keys: Sequence[str], run: str, redeliver: bool = False, resume: bool = False) -> list[bool]:
        if not keys:
            return []
        now = utc_now_iso()
        again = [c for c, wanted in (("seen.done = 1", redeliver), ("(seen.done = 0 AND seen.run = excluded.run)", resume))
                 if wanted]
        on_conflict = (f"DO UPDATE SET done = 0, at = excluded.at, run = excluded.run WHERE {' OR '.join(again)}"
                       if again else "DO NOTHING")
        sql = f"INSERT INTO seen(key, done, at, run) VALUES (?, 0, ?, ?) ON CONFLICT(key) {on_conflict}"
        with self.db.transaction() as conn:
            return [conn.execute(sql, (key, now, run)).rowcount == 1 for key in keys]

    def mark_done(self, keys: Iterable[str]) -> None:
        now = utc_now_iso()
        rows = [(key, now) for key in keys]
        if not rows:
            return
        with self.db.transaction() as conn:
            conn.executemany("INSERT INTO seen(key, done, at) VALUES (?, 1, ?) "
                             "ON CONFLICT(key) DO UPDATE SET done = 1, at = excluded.at, run = NULL", rows)

    def pending(self) -> dict[str, list[str]]:
        by_run: dict[str, list[str]] = {}
        with self.db.reading() as conn:
            for key, run in conn.execute("SELECT key, run FROM seen WHERE done = 0 ORDER BY key"):
                by_run.setdefault(run or "", []).append(key)
        return by_run

    def forget(self, keys: Iterable[str]) -> None:
        rows = [(key,) for key in keys]
        if rows:
            with self.db.transaction() as conn:
                conn.executemany("DELETE FROM seen WHERE key = ?", rows)

    def counts(self) -> dict[str, int]:
        with self.db.reading() as conn:
            found = dict(conn.execute("SELECT done, count(*) FROM seen GROUP BY done"))
        return {"pending": found.get(0, 0), "done": found.get(1, 0)}

    def prune(self, before_iso: str, dry_run: bool = False) -> int:
        limit = cutoff(before_iso)
        if dry_run:
            with self.db.reading() as conn:
                return conn.execute("SELECT count(*) FROM seen WHERE done = 1 AND at < ?", (limit,)).fetchone()[0]
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM seen WHERE done = 1 AND at < ?", (limit,)).rowcount

    def reset(self) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM seen")
            conn.execute("DELETE FROM runs")

    def record_run(self, run: str, info: dict[str, Any]) -> None:
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO runs(run, info, at) VALUES (?, ?, ?) ON CONFLICT(run) DO UPDATE "
                         "SET info = excluded.info", (run, json.dumps(info, sort_keys=True), utc_now_iso()))

    def runs(self) -> dict[str, dict[str, Any]]:
        with self.db.reading() as conn:
            return {run: json.loads(info) for run, info in conn.execute("SELECT run, info FROM runs ORDER BY run")}

    def forget_runs(self, runs: Iterable[str]) -> None:
        rows = [(run,) for run in runs]
        if rows:
            with self.db.transaction() as conn:
                conn.executemany("DELETE FROM runs WHERE run = ?", rows)


def describe(db: SQLiteDatabase, index: SQLiteIndex, seen: SQLiteSeenStore) -> dict[str, Any]:
    return {
        "backend": "sqlite",
        "path": str(db.path),
        "size_bytes": db.size_bytes(),
        "store_id": db.identity.id,
        "created": db.identity.created,
        "index": {"stories": len(index), "memory_bytes": index.memory_bytes, "scheme": index.scheme.as_dict()},
        "seen": seen.counts(),
    }
