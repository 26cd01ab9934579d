"""Stores that live in this process only: for runs that keep no state, and as the reference behaviour.

``MemoryIndex`` is built for speed (plain dicts for the LSH buckets, a few
microseconds a story) and holds about 4 KB per story: right for one
``newscrawl clean`` over a batch of files; beyond a million stories, or for
an index that must outlive the run, use the SQLite store (~400 bytes a story
in memory).
"""

from __future__ import annotations

import threading
from typing import Iterable

from newscrawl.store.base import (Fingerprint, Match, NearDupIndex, SeenStore, SketchScheme, best_match, cutoff,
                                  normalize_time, utc_now_iso)


class MemoryIndex(NearDupIndex):
    def __init__(self, scheme: SketchScheme):
        self.scheme = scheme
        self._lock = threading.Lock()
        self._ids: dict[str, int] = {}
        # Per story id, in insertion order; a removed story keeps an empty slot.
        self._keys: list[str | None] = []
        self._signatures: list[bytes] = []
        self._shingles: list[int] = []
        self._times: list[str] = []
        self._buckets: dict[int, int | list[int]] = {}  # band key -> one story id, or a list once shared

    def _candidates(self, bands: list[int]) -> set[int]:
        found: set[int] = set()
        get = self._buckets.get
        for band in bands:
            entry = get(band)
            if entry is not None:
                if isinstance(entry, int):
                    found.add(entry)
                else:
                    found.update(entry)
        return found

    def _verify(self, fp: Fingerprint, ids: Iterable[int]) -> list[Match]:
        matches = []
        for sid in ids:
            key = self._keys[sid]
            if key is None:
                continue
            verdict = self.scheme.judge(fp, Fingerprint.from_bytes(self._signatures[sid], self._shingles[sid]))
            if verdict is not None:
                matches.append(Match(key, *verdict))
        return matches

    def check_and_insert(self, key: str, fp: Fingerprint, published: str | None = None) -> Match | None:
        bands = self._bands_of(fp)
        with self._lock:
            if key in self._ids:
                return None
            match = best_match(self._verify(fp, self._candidates(bands)))
            if match is not None:
                return match
            sid = len(self._keys)
            self._ids[key] = sid
            self._keys.append(key)
            self._signatures.append(fp.to_bytes())
            self._shingles.append(fp.shingles)
            self._times.append(normalize_time(published) or utc_now_iso())
            buckets = self._buckets
            for band in bands:
                entry = buckets.get(band)
                if entry is None:
                    buckets[band] = sid
                elif isinstance(entry, int):
                    buckets[band] = [entry, sid]
                else:
                    entry.append(sid)
            return None

    def query(self, fp: Fingerprint) -> list[Match]:
        bands = self._bands_of(fp)
        with self._lock:
            matches = self._verify(fp, self._candidates(bands))
        return sorted(matches, key=lambda m: (-m.containment, -m.jaccard, m.key))

    def _drop(self, sid: int) -> None:
        key = self._keys[sid]
        if key is None:
            return
        for band in self.scheme.band_keys(Fingerprint.from_bytes(self._signatures[sid], 0).signature):
            entry = self._buckets.get(band)
            if entry == sid:
                del self._buckets[band]
            elif isinstance(entry, list) and sid in entry:
                entry.remove(sid)
                if len(entry) == 1:
                    self._buckets[band] = entry[0]
        del self._ids[key]
        self._keys[sid] = None
        self._signatures[sid] = b""

    def remove(self, key: str) -> bool:
        with self._lock:
            sid = self._ids.get(key)
            if sid is None:
                return False
            self._drop(sid)
            return True

    def expire(self, before_iso: str) -> int:
        limit = cutoff(before_iso)
        with self._lock:
            old = [sid for sid, at in enumerate(self._times) if at < limit and self._keys[sid] is not None]
            for sid in old:
                self._drop(sid)
        return len(old)

    def reset(self) -> None:
        with self._lock:
            self._ids.clear()
            self._keys.clear()
            self._signatures.clear()
            self._shingles.clear()
            self._times.clear()
            self._buckets.clear()

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __repr__(self) -> str:
        return f"MemoryIndex({len(self)} stories)"


class MemorySeenStore(SeenStore):
    """Seen stories for one run (tests, and runs without state)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[bool, str]] = {}  # key -> (done, when)

    def is_handled(self, key: str) -> bool:
        return key in self._entries

    def mark_pending(self, key: str) -> None:
        self._entries.setdefault(key, (False, utc_now_iso()))

    def mark_done(self, keys: Iterable[str]) -> None:
        now = utc_now_iso()
        for key in keys:
            self._entries[key] = (True, now)

    def pending(self) -> list[str]:
        return sorted(k for k, (done, _) in self._entries.items() if not done)

    def forget(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._entries.pop(key, None)

    def counts(self) -> dict[str, int]:
        done = sum(1 for d, _ in self._entries.values() if d)
        return {"pending": len(self._entries) - done, "done": done}

    def prune(self, before_iso: str) -> int:
        limit = cutoff(before_iso)
        old = [k for k, (done, at) in self._entries.items() if done and at < limit]
        self.forget(old)
        return len(old)

    def reset(self) -> None:
        self._entries.clear()
