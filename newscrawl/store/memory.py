"""Stores that live in this process only: for runs that keep no state, and as the reference behaviour.

``MemoryIndex`` is built for speed (plain dicts for the LSH buckets, a few
microseconds a story) and holds about 4 KB per story: right for one
``newscrawl clean`` over a batch of files; beyond a million stories, or for
an index that must outlive the run, use the SQLite store (~400 bytes a story
in memory).
"""

from __future__ import annotations

import threading
from typing import Any, Iterable, Sequence

from newscrawl.store.base import Fingerprint, Match, NearDupIndex, SeenStore, SketchScheme, best_match, cutoff, utc_now_iso


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

    def check_and_insert(self, key: str, fp: Fingerprint) -> Match | None:
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
            self._times.append(utc_now_iso())
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

    def expire(self, before_iso: str, dry_run: bool = False) -> int:
        limit = cutoff(before_iso)
        with self._lock:
            old = [sid for sid, at in enumerate(self._times) if at < limit and self._keys[sid] is not None]
            if not dry_run:
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
    """Handled stories of one process (``newscrawl clean`` without ``--state``, tests)."""

    def __init__(self) -> None:
        self._done: dict[str, str] = {}  # key -> when
        self._pending: dict[str, str] = {}  # key -> run
        self._runs: dict[str, dict[str, Any]] = {}

    def is_handled(self, key: str) -> bool:
        return key in self._done or key in self._pending

    def claim(self, keys: Sequence[str], run: str, redeliver: bool = False, resume: bool = False) -> list[bool]:
        claimed = []
        for key in keys:
            if key in self._pending:
                ok = resume and self._pending[key] == run
            else:
                ok = redeliver or key not in self._done
            if ok:
                self._done.pop(key, None)
                self._pending[key] = run
            claimed.append(ok)
        return claimed

    def mark_done(self, keys: Iterable[str]) -> None:
        now = utc_now_iso()
        for key in keys:
            self._pending.pop(key, None)
            self._done[key] = now

    def forget(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._pending.pop(key, None)
            self._done.pop(key, None)

    def pending(self) -> dict[str, list[str]]:
        by_run: dict[str, list[str]] = {}
        for key, run in sorted(self._pending.items()):
            by_run.setdefault(run, []).append(key)
        return by_run

    def counts(self) -> dict[str, int]:
        return {"pending": len(self._pending), "done": len(self._done)}

    def prune(self, before_iso: str, dry_run: bool = False) -> int:
        limit = cutoff(before_iso)
        old = [k for k, at in self._done.items() if at < limit]
        if not dry_run:
            for key in old:
                del self._done[key]
        return len(old)

    def reset(self) -> None:
        self._done.clear()
        self._pending.clear()

    def record_run(self, run: str, info: dict[str, Any]) -> None:
        self._runs[run] = dict(info)

    def runs(self) -> dict[str, dict[str, Any]]:
        return {run: dict(info) for run, info in self._runs.items()}

    def forget_runs(self, runs: Iterable[str]) -> None:
        for run in runs:
            self._runs.pop(run, None)
