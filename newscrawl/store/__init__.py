"""What outlives a run: the near-duplicate index and the seen-story store, chosen in one place.

``open_stores`` gives Redis when a URL is given (several processes share it),
else one SQLite file per spider under the state directory. The cleaning chain
and the spiders see only the interfaces in ``base``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from newscrawl.paths import data_dir, safe_join
from newscrawl.redact import mask_url
from newscrawl.store.base import (Fingerprint, Match, NearDupIndex, SchemeMismatch, SeenStore, SketchScheme,
                                  StoreError, StoreIdentity, StoreLocked, StoreLost, utc_now_iso)
from newscrawl.store.lock import RunLock
from newscrawl.store.memory import MemoryIndex, MemorySeenStore

__all__ = [
    "Fingerprint", "Match", "MemoryIndex", "MemorySeenStore", "NearDupIndex", "RunLock", "SchemeMismatch",
    "SeenStore", "StoreError", "StoreIdentity", "StoreLocked", "StoreLost", "Stores", "mask_url", "memory_stores",
    "open_stores",
]

_NAMESPACE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def _nothing(*_: Any) -> None:
    return None


@dataclass
class Stores:
    """The stores of one spider namespace; ``close()`` releases them once.

    ``shared`` stores (Redis) take several runs at once, each with a heartbeat
    (``beat``/``alive``); an embedded store takes one run at a time (``lock``).
    """

    seen: SeenStore
    index: NearDupIndex
    identity: StoreIdentity
    _describe: Callable[[], dict[str, Any]] = field(repr=False)
    _close: Callable[[], None] = field(repr=False)
    shared: bool = False
    lock_path: Path | None = None
    _check_identity: Callable[[], None] = field(default=_nothing, repr=False)
    _beat: Callable[[str, float], None] = field(default=_nothing, repr=False)
    _alive: Callable[[str], bool] = field(default=lambda run: False, repr=False)
    _end: Callable[[str], None] = field(default=_nothing, repr=False)
    closed: bool = False
    _lock: RunLock | None = field(default=None, repr=False)

    def describe(self) -> dict[str, Any]:
        """Where the state lives and how much of it there is (``newscrawl state``)."""
        return self._describe()

    def reset(self) -> None:
        """Forget every story and the whole index (the recorded scheme and identity stay)."""
        self.index.reset()
        self.seen.reset()

    def lock(self, owner: dict[str, Any], wait: float = 0.0) -> None:
        """Hold the store for one run until ``close`` (embedded stores; shared ones take many runs)."""
        if self.lock_path is not None and self._lock is None:
            self._lock = RunLock(self.lock_path).acquire(owner, wait, what=f"state store {self.identity.location}")

    def check_identity(self) -> None:
        """``StoreLost`` when the store is no longer the one opened (its data is gone)."""
        self._check_identity()

    def beat(self, run: str, ttl: float) -> None:
        """Say ``run`` is alive for ``ttl`` more seconds (shared stores)."""
        self._beat(run, ttl)

    def alive(self, run: str) -> bool:
        """Whether ``run`` is running now. On an embedded store the holder of the lock is the only
        live run, so every other run is over."""
        return self._alive(run)

    def end(self, run: str) -> None:
        """``run`` is over (its heartbeat stops at once)."""
        self._end(run)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self._close()
            finally:
                if self._lock is not None:
                    self._lock.release()

    def __enter__(self) -> "Stores":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_stores(spider_name: str, *, state_dir: Path | None = None, redis_url: str | None = None,
                scheme: SketchScheme, lock_timeout: float | None = None, rebuild_index: bool = False) -> Stores:
    """Open (creating if needed) the stores of ``spider_name``.

    Raises ``SchemeMismatch`` when the stored index was built with another
    scheme (unless ``rebuild_index``: then the index is emptied and recorded
    under ``scheme``; seen stories are kept), ``StoreLocked`` when another run
    holds the SQLite file past ``lock_timeout`` seconds (default 30; for Redis
    it is the socket timeout), ``StoreError`` when the store cannot be used at
    all (unreadable file, unreachable server; never with a password in it).
    """
    if not _NAMESPACE_RE.match(spider_name or ""):
        raise ValueError(f"not a usable state namespace: {spider_name!r} (letters, digits, _ . - only)")
    if redis_url:
        from newscrawl.store.redis import open_redis_stores

        return open_redis_stores(spider_name, redis_url, scheme, lock_timeout=lock_timeout,
                                 rebuild_index=rebuild_index)
    base = Path(state_dir) if state_dir is not None else data_dir() / "state"
    return open_sqlite_file(safe_join(base, f"{spider_name}.sqlite3"), scheme=scheme, lock_timeout=lock_timeout,
                            rebuild_index=rebuild_index)


def open_sqlite_file(path: Path, *, scheme: SketchScheme, lock_timeout: float | None = None,
                     rebuild_index: bool = False) -> Stores:
    """The embedded stores in one SQLite file (``newscrawl clean --state FILE``)."""
    from newscrawl.store.sqlite import DEFAULT_LOCK_TIMEOUT, SQLiteDatabase, SQLiteIndex, SQLiteSeenStore, describe

    path = Path(path)
    db = SQLiteDatabase(path, scheme, DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout,
                        rebuild_index=rebuild_index)
    index, seen = SQLiteIndex(db, scheme), SQLiteSeenStore(db)
    return Stores(seen=seen, index=index, identity=db.identity, _describe=lambda: describe(db, index, seen),
                  _close=db.close, lock_path=path.with_name(path.name + ".lock"), _check_identity=db.check_identity)


def memory_stores(scheme: SketchScheme) -> Stores:
    """Stores that live in this process only (``newscrawl clean`` without ``--state``, tests)."""
    import uuid

    index, seen = MemoryIndex(scheme), MemorySeenStore()
    identity = StoreIdentity(uuid.uuid4().hex, utc_now_iso(), "memory", fresh=True)
    return Stores(seen=seen, index=index, identity=identity,
                  _describe=lambda: {"backend": "memory", "index": {"stories": len(index)}, "seen": seen.counts()},
                  _close=_nothing)
