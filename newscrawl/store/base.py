"""The interfaces of what outlives a run: the near-duplicate index and the seen-story store.

The cleaning chain and the spiders code against ``NearDupIndex`` and
``SeenStore`` only; where the state lives (memory, SQLite, Redis) is chosen in
one place (``open_stores``). A store never computes fingerprints: the scheme
that made them is handed in (``SketchScheme``), recorded with the index, and a
store built with other parameters refuses to be used (``SchemeMismatch``).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Protocol, Sequence

import numpy as np

from newscrawl.redact import mask_url  # noqa: F401 - re-exported: the one masking function

SIGNATURE_DTYPE = np.dtype("<u4")  # datasketch's "affine32" hash values, little-endian on disk


class SchemeMismatch(ValueError):
    """An index was built with other fingerprint parameters than the ones in use."""


class StoreError(OSError):
    """The state store cannot be used (unreadable file, unreachable server...)."""


class StoreLocked(StoreError):
    """Another process holds the state store (a write past the lock timeout, or a whole run)."""


class StoreLost(StoreError):
    """The store is not the one this run (or this data directory) was using: it lost its data."""


@dataclass(frozen=True)
class StoreIdentity:
    """Who a store is: a random id and its creation time, both written when the store is created.

    A store that loses its data (a Redis restarted without persistence, ``FLUSHALL``, a deleted
    SQLite file) comes back with another identity, or none, so a run can tell it from the store
    it used before instead of exporting every story again.
    """

    id: str
    created: str
    location: str  # where it lives (a file path, a masked Redis URL and namespace)
    fresh: bool = False  # created by this very open

    def describe(self) -> str:
        return f"store {self.id} created {self.created}"


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """A text's MinHash signature and its number of distinct shingles."""

    signature: np.ndarray  # uint32, one value per permutation
    shingles: int

    def to_bytes(self) -> bytes:
        return np.asarray(self.signature, dtype=SIGNATURE_DTYPE).tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes, shingles: int) -> "Fingerprint":
        return cls(np.frombuffer(blob, dtype=SIGNATURE_DTYPE), int(shingles))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Fingerprint) and self.shingles == other.shingles
                and np.array_equal(self.signature, other.signature))

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Match:
    """An indexed story the queried text duplicates, with the estimates that said so."""

    key: str
    jaccard: float
    containment: float

    def describe(self) -> str:
        return f"jaccard={self.jaccard:.2f} containment={self.containment:.2f}"


class SketchScheme(Protocol):
    """What a store needs from the scheme that made the fingerprints (see cleaning.neardup)."""

    num_perm: int

    def as_dict(self) -> dict[str, Any]: ...

    def band_keys(self, signature: np.ndarray) -> list[int]: ...

    def judge(self, query: Fingerprint, stored: Fingerprint) -> tuple[float, float] | None: ...


def check_params(recorded: dict[str, Any], current: dict[str, Any], where: str) -> None:
    """Raise ``SchemeMismatch`` naming both parameter sets when they differ."""
    if recorded == current:
        return
    names = sorted(set(recorded) | set(current))
    diffs = ", ".join(f"{n} {recorded.get(n)!r} (stored) vs {current.get(n)!r} (now)" for n in names
                      if recorded.get(n) != current.get(n))
    raise SchemeMismatch(
        f"{where} was built with another near-duplicate scheme: {diffs}. Stored scheme: {recorded}; "
        f"this run's scheme: {current}. Run with the stored scheme, or reset the state "
        f"(newscrawl state reset) to rebuild the index under this one")


def best_match(matches: Iterable[Match]) -> Match | None:
    """The strongest match: highest containment, then Jaccard, then the smaller key."""
    ranked = sorted(matches, key=lambda m: (-m.containment, -m.jaccard, m.key))
    return ranked[0] if ranked else None


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def normalize_time(value: str | None) -> str | None:
    """An ISO 8601 time as naive UTC ``YYYY-MM-DDTHH:MM:SS`` so that strings compare as times.

    Times without an offset are taken as UTC; a value that is not ISO 8601 gives None.
    """
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def cutoff(before_iso: str) -> str:
    """``expire``/``prune`` argument, normalised; a bad value is a clear error, not a no-op."""
    normal = normalize_time(before_iso)
    if normal is None:
        raise ValueError(f"not an ISO 8601 time: {before_iso!r}")
    return normal


class NearDupIndex(abc.ABC):
    """Fingerprints of the stories kept so far; first seen wins.

    ``check_and_insert`` is the one call the cleaning chain makes: it is atomic
    (across processes for shared stores), so two workers racing with copies of
    one story keep exactly one of them.
    """

    scheme: SketchScheme

    @abc.abstractmethod
    def check_and_insert(self, key: str, fp: Fingerprint) -> Match | None:
        """The best match among indexed stories, or None after indexing ``key`` (now: entries
        expire by the time they were indexed, see ``expire``).

        A key already in the index is never its own duplicate (its delivery is the ledger's
        business: a story re-fetched after a crash): None, and the entry is left as it is.
        """

    def check_and_insert_many(self, entries: list[tuple[str, Fingerprint]]) -> list[Match | None]:
        """``check_and_insert`` of each ``(key, fingerprint)`` in order: later entries are
        checked against earlier ones. Stores that pay per call (a SQLite transaction) do the
        whole batch at once."""
        return [self.check_and_insert(key, fp) for key, fp in entries]

    @abc.abstractmethod
    def query(self, fp: Fingerprint) -> list[Match]:
        """Every indexed story ``fp`` duplicates, best first; indexes nothing."""

    @abc.abstractmethod
    def remove(self, key: str) -> bool:
        """Forget one story; False when it was not indexed."""

    def remove_many(self, keys: Iterable[str]) -> int:
        """``remove`` each key; returns how many were indexed."""
        return sum(self.remove(key) for key in keys)

    @abc.abstractmethod
    def expire(self, before_iso: str, dry_run: bool = False) -> int:
        """Drop stories indexed before ``before_iso`` (with ``dry_run``, only count them);
        returns how many."""

    @abc.abstractmethod
    def __len__(self) -> int: ...

    @abc.abstractmethod
    def reset(self) -> None:
        """Forget every story (the recorded scheme stays)."""

    @abc.abstractmethod
    def __contains__(self, key: object) -> bool: ...

    def close(self) -> None:
        return None

    def _bands_of(self, fp: Fingerprint) -> list[int]:
        """The fingerprint's band keys, refusing one made with another number of permutations."""
        if len(fp.signature) != self.scheme.num_perm:
            raise SchemeMismatch(f"a fingerprint of {len(fp.signature)} values cannot be compared with "
                                 f"{self!r}, built for num_perm={self.scheme.num_perm}")
        return self.scheme.band_keys(fp.signature)


class SeenStore(abc.ABC):
    """Stories handled across runs: what the ledger remembers (see ``newscrawl.delivery``).

    A story is *pending* from the moment a run claims it (its page arrived, its record was
    read) until it is durably in a feed or a rejects file (*done*), or until the run lets it
    go (*forgotten*: fetched again later). A pending story belongs to the run that claimed
    it; ``claim`` is atomic, so two runs sharing a store never both deliver one story.
    ``is_handled`` is true for pending and done stories.

    The store also keeps each run's record (where its feeds went), so that a later run can
    settle the stories a killed run left pending by reading those feeds.
    """

    @abc.abstractmethod
    def is_handled(self, key: str) -> bool: ...

    @abc.abstractmethod
    def claim(self, keys: Sequence[str], run: str, redeliver: bool = False, resume: bool = False) -> list[bool]:
        """Mark each key pending for ``run``, in order; True where this call claimed it.

        False for a key already pending (for any run, this one included: a repeat, unless
        ``resume``: a run started again under its own id takes back what it left pending) or
        done (unless ``redeliver``: a refresh delivers handled stories again).
        """

    @abc.abstractmethod
    def mark_done(self, keys: Iterable[str]) -> None:
        """The stories are durably delivered (pending or not before)."""

    @abc.abstractmethod
    def forget(self, keys: Iterable[str]) -> None:
        """The stories are not handled any more (a later run fetches them again)."""

    @abc.abstractmethod
    def pending(self) -> dict[str, list[str]]:
        """Pending keys by the run that claimed them (``""`` for claims older than run ids)."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """``{"pending": n, "done": m}``."""

    @abc.abstractmethod
    def prune(self, before_iso: str, dry_run: bool = False) -> int:
        """Forget done stories handled before ``before_iso`` (with ``dry_run``, only count
        them); returns how many."""

    @abc.abstractmethod
    def reset(self) -> None: ...

    # -- runs ---------------------------------------------------------------------
    @abc.abstractmethod
    def record_run(self, run: str, info: dict[str, Any]) -> None:
        """Keep what a run says of itself (host, feeds, rejects file), replacing an older record."""

    @abc.abstractmethod
    def runs(self) -> dict[str, dict[str, Any]]:
        """Every run record, by run id."""

    @abc.abstractmethod
    def forget_runs(self, runs: Iterable[str]) -> None: ...

    def close(self) -> None:
        return None
