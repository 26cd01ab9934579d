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
from newscrawl.store.base import (Fingerprint, Match, NearDupIndex, SchemeMismatch, SeenStore, SketchScheme,
                                  StoreError, StoreLocked, mask_url)
from newscrawl.store.memory import MemoryIndex, MemorySeenStore

__all__ = [
    "Fingerprint", "Match", "MemoryIndex", "MemorySeenStore", "NearDupIndex", "SchemeMismatch", "SeenStore",
    "StoreError", "StoreLocked", "Stores", "mask_url", "open_stores",
]

_NAMESPACE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass
class Stores:
    """The stores of one spider namespace; ``close()`` releases them once."""

    seen: SeenStore
    index: NearDupIndex
    _describe: Callable[[], dict[str, Any]] = field(repr=False)
    _close: Callable[[], None] = field(repr=False)
    closed: bool = False

    def describe(self) -> dict[str, Any]:
        """Where the state lives and how much of it there is (``newscrawl state``)."""
        return self._describe()

    def reset(self) -> None:
        """Forget every story and the whole index (the recorded scheme stays)."""
        self.index.reset()
        self.seen.reset()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._close()

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
    from newscrawl.store.sqlite import DEFAULT_LOCK_TIMEOUT, SQLiteDatabase, SQLiteIndex, SQLiteSeenStore, describe

    base = Path(state_dir) if state_dir is not None else data_dir() / "state"
    path = safe_join(base, f"{spider_name}.sqlite3")
    db = SQLiteDatabase(path, scheme, DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout,
                        rebuild_index=rebuild_index)
    index, seen = SQLiteIndex(db, scheme), SQLiteSeenStore(db)
    return Stores(seen=seen, index=index, _describe=lambda: describe(db, index, seen), _close=db.close)
