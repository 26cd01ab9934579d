"""LSH bucket -> story ids in 8 bytes per entry: the in-memory half of the embedded index.

Why: a B-tree of (bucket, story) rows on disk costs one random page write per
band per story (about 40 pages a commit), and a dict of buckets costs ~100
bytes an entry. Here entries are held in a few sorted runs of two uint32
arrays (bucket, story), a log-structured merge: new entries collect in a small
buffer, are sorted into a run, and runs of similar size are merged, so an
insert is amortised O(log n) element moves. A large run also records where
each bucket prefix starts (about 4 entries a prefix), so a lookup reads one
short window per band wherever the run's hundreds of MB lie, instead of a
binary search's twenty-odd cache misses. Buckets are the low 32 bits of the
scheme's band keys: a collision only adds a candidate, which verification
against the stored signature drops.
"""

from __future__ import annotations

import numpy as np

_DIRECTORY_MIN = 1 << 15  # runs at least this long get a prefix directory
_WINDOW = 16  # entries read per band from the directory; a fuller prefix is searched
_STEPS = np.arange(_WINDOW, dtype=np.int64)
_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)


def bucket_ids(band_keys: list[int] | np.ndarray) -> np.ndarray:
    """The 32-bit buckets (low bits) of a story's 64-bit band keys."""
    return np.asarray(band_keys, dtype=np.uint64).astype(np.uint32)


class _Run:
    """Entries sorted by bucket, with a prefix directory when the run is large."""

    __slots__ = ("buckets", "stories", "shift", "starts")

    def __init__(self, packed: np.ndarray):
        """``packed``: sorted ``bucket << 32 | story`` values."""
        self.buckets = (packed >> _SHIFT).astype(np.uint32)
        self.stories = (packed & _LOW32).astype(np.uint32)
        self.starts: np.ndarray | None = None
        self.shift = np.uint32(32)
        if len(packed) >= _DIRECTORY_MIN:
            bits = (len(packed) // 4).bit_length() - 1
            self.shift = np.uint32(32 - bits)
            counts = np.bincount(self.buckets >> self.shift, minlength=1 << bits)
            starts = np.zeros((1 << bits) + 1, dtype=np.int64)
            np.cumsum(counts, out=starts[1:])
            self.starts = starts.astype(np.int32) if len(packed) < 2**31 else starts

    def __len__(self) -> int:
        return len(self.buckets)

    @property
    def nbytes(self) -> int:
        return self.buckets.nbytes + self.stories.nbytes + (self.starts.nbytes if self.starts is not None else 0)

    def packed(self) -> np.ndarray:
        return (self.buckets.astype(np.uint64) << _SHIFT) | self.stories

    def lookup(self, q: np.ndarray, found: set[int]) -> None:
        """Add to ``found`` the stories in buckets ``q`` (sorted uint32)."""
        buckets = self.buckets
        last = len(buckets) - 1
        if self.starts is None:
            at = buckets.searchsorted(q)
            np.minimum(at, last, out=at)
            hit = buckets[at] == q
            if hit.any():
                for i in np.flatnonzero(hit).tolist():
                    end = buckets.searchsorted(q[i], "right")
                    found.update(self.stories[at[i]:end].tolist())
            return
        prefix = q >> self.shift
        idx = self.starts[prefix][:, None] + _STEPS
        np.minimum(idx, last, out=idx)
        window = buckets[idx]
        hit = window == q[:, None]
        if hit.any():
            found.update(self.stories[idx[hit]].tolist())
        # A window that ends inside its prefix may have missed entries: search those bands.
        crowded = (window[:, -1] >> self.shift) == prefix
        if crowded.any():
            for i in np.flatnonzero(crowded).tolist():
                lo, hi = self.starts[prefix[i]], self.starts[prefix[i] + 1]
                part = buckets[lo:hi]
                found.update(self.stories[lo + part.searchsorted(q[i]):lo + part.searchsorted(q[i], "right")].tolist())


class BucketTable:
    """A multimap from 32-bit bucket to 32-bit story id; entries are only added."""

    def __init__(self, flush_at: int = 2048, merge_factor: int = 8):
        self.merge_factor = merge_factor
        self._recent_buckets = np.empty(flush_at, dtype=np.uint32)  # unsorted, filled in order
        self._recent_stories = np.empty(flush_at, dtype=np.uint32)
        self._recent_count = 0
        self._recent_index: dict[int, list[int]] = {}  # the same entries, for lookups
        self._runs: list[_Run] = []  # largest first

    def __len__(self) -> int:
        return self._recent_count + sum(len(r) for r in self._runs)

    @property
    def nbytes(self) -> int:
        return self._recent_buckets.nbytes * 2 + sum(r.nbytes for r in self._runs)

    def add(self, buckets: np.ndarray, story: int) -> None:
        n, k = self._recent_count, len(buckets)
        if n + k > len(self._recent_buckets):
            self._flush()
            n = 0
            if k > len(self._recent_buckets):
                self.add_many(np.array([story], dtype=np.uint64), buckets.reshape(1, -1))
                return
        self._recent_buckets[n:n + k] = buckets
        self._recent_stories[n:n + k] = story
        self._recent_count = n + k
        index = self._recent_index
        for bucket in buckets.tolist():
            stories = index.get(bucket)
            if stories is None:
                index[bucket] = [story]
            else:
                stories.append(story)

    def add_many(self, stories: np.ndarray, buckets: np.ndarray) -> None:
        """Bulk load: ``buckets`` is (n, bands) uint32, ``stories`` its n ids."""
        if len(stories) == 0:
            return
        packed = (buckets.astype(np.uint64) << _SHIFT) | np.asarray(stories, dtype=np.uint64)[:, None]
        packed = packed.ravel()
        packed.sort()
        self._push(packed)

    def lookup(self, buckets: np.ndarray) -> set[int]:
        found: set[int] = set()
        if self._recent_index:
            get = self._recent_index.get
            for bucket in buckets.tolist():
                stories = get(bucket)
                if stories:
                    found.update(stories)
        q = np.sort(buckets)
        for run in self._runs:
            run.lookup(q, found)
        return found

    def clear(self) -> None:
        self._recent_count = 0
        self._recent_index.clear()
        self._runs.clear()

    def _flush(self) -> None:
        n = self._recent_count
        if not n:
            return
        packed = (self._recent_buckets[:n].astype(np.uint64) << _SHIFT) | self._recent_stories[:n]
        self._recent_count = 0
        self._recent_index.clear()
        packed.sort()
        self._push(packed)

    def _push(self, packed: np.ndarray) -> None:
        # Merge while the smallest run is not much bigger than the new one, so
        # run sizes shrink geometrically: at most log_factor(n / flush_at) runs.
        while self._runs and len(self._runs[-1]) < self.merge_factor * len(packed):
            packed = np.sort(np.concatenate((self._runs.pop().packed(), packed)), kind="stable")
        self._runs.append(_Run(packed))
