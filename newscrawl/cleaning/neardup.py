"""Near-duplicate stories: MinHash of the cleaned body's word shingles, LSH bands, verified matches.

Runs last in the chain, on ``doc.paragraphs`` after shells, boilerplate and
repeated passages are gone, so shared disclaimers never make two stories look
alike. The first story seen is kept; a later copy is rejected with
``duplicate_of`` naming it.

The scheme is pinned and recorded with every index (``MinHashScheme``): words
are ``match_key`` tokens (case, punctuation and spacing ignored), shingles are
word 5-grams, signatures are datasketch ``affine32`` MinHashes with 128
permutations. ``fingerprint`` computes exactly what
``datasketch.MinHash(num_perm, seed, hashfunc=shingle_hash).update_batch(shingles(text))``
would, but hashes each word once (xxh3) and combines word hashes into shingle
hashes with numpy, instead of hashing every shingle in Python.

Verification: LSH only proposes candidates. A candidate is a near-duplicate when
its estimated Jaccard similarity reaches ``threshold`` (an edited copy), or when
the shorter text is at least ``min_length_ratio`` of the longer one and is
``containment_threshold`` contained in it (a truncated syndicated copy).
42 bands of 3 rows put LSH recall above 0.99 from Jaccard 0.5 (an edited
copy, or the first half of a story), at 0.93 for the first 40% of a story
(Jaccard 0.4) and at 0.67 at the very edge of what verification accepts (40%
of the length, 80% contained: Jaccard 0.3); unrelated stories (Jaccard < 0.05)
collide with probability < 0.6%. On syndicated copies of the benchmark's 181
articles (benchmarks/neardup_quality.py) this catches 99.5% of copies with no
false drop; a ratio of 0.5 missed copies cut below half their length.

Short texts: with fewer than ``min_shingles`` distinct shingles (about 24
words) one changed word moves the estimate by a fifth, so a short text is a
duplicate only of the same short text (identical signature and shingle count:
the same words in the same order); it never matches a longer text by
containment. An empty body has nothing to compare and is left to the
empty-body step.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable

import numpy as np
import xxhash

from newscrawl.cleaning.document import Document, Rejection
from newscrawl.cleaning.text import key_words
from newscrawl.store.base import Fingerprint, Match, NearDupIndex, SchemeMismatch, check_params

__all__ = [
    "DEFAULT_SCHEME", "Fingerprint", "Match", "MinHashScheme", "NearDuplicateFilter", "SchemeMismatch",
    "TakenFingerprint", "fingerprint", "shingle_hash", "shingles", "tokens",
]

_MASK64 = (1 << 64) - 1
_xxh3_64 = xxhash.xxh3_64_intdigest
_MAX32 = np.uint32(0xFFFFFFFF)


def _splitmix64(i: int) -> int:
    z = (i * 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


# Position multipliers of the shingle hash: odd, fixed, part of the recorded hash name.
_POSITION_MULT = [_splitmix64(j + 1) | 1 for j in range(64)]
HASH_NAME = "xxh3_64(word)*splitmix64(pos)|1 summed mod 2^64, high 32 bits"
TOKENIZER_NAME = "match_key(text).split()"
BAND_HASH_NAME = "xxh3_64(band rows as little-endian uint32, seed=band offset in bytes)"


def shingle_hash(shingle: bytes) -> int:
    """The recorded 32-bit hash of one shingle (its words joined by single spaces).

    The slow, obviously-correct definition the fast path must equal:
    ``sum(xxh3_64(word_j) * M_j) mod 2**64 >> 32``.
    """
    acc = 0
    for j, word in enumerate(shingle.split(b" ")):
        acc += _xxh3_64(word) * _POSITION_MULT[j]
    return (acc & _MASK64) >> 32


@dataclass(frozen=True)
class MinHashScheme:
    """Every parameter that makes two fingerprints comparable, recorded with each index."""

    name: str = "newscrawl-minhash"
    version: int = 1
    permutation: str = "affine32"  # datasketch 2.0 scheme
    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 5
    tokenizer: str = TOKENIZER_NAME
    hash: str = HASH_NAME
    band_hash: str = BAND_HASH_NAME
    bands: int = 42
    rows: int = 3
    threshold: float = 0.8  # estimated Jaccard at or above: near-duplicate
    containment_threshold: float = 0.8  # shorter text this contained in the longer: duplicate...
    min_length_ratio: float = 0.4  # ...when it is at least this fraction of the longer one
    min_shingles: int = 20  # below: exact matches only (see module docstring)

    def __post_init__(self) -> None:
        problems = []
        if (self.permutation, self.tokenizer, self.hash, self.band_hash) != (
                "affine32", TOKENIZER_NAME, HASH_NAME, BAND_HASH_NAME):
            problems.append("only the affine32 permutation with this module's tokenizer and hashes is implemented")
        if not (self.bands >= 2 and self.rows >= 1 and self.bands * self.rows <= self.num_perm):
            problems.append(f"bands*rows ({self.bands}*{self.rows}) must fit in num_perm ({self.num_perm}), bands >= 2")
        if not 1 <= self.shingle_size <= len(_POSITION_MULT):
            problems.append(f"shingle_size must be 1..{len(_POSITION_MULT)}")
        for name in ("threshold", "containment_threshold", "min_length_ratio"):
            if not 0.0 < getattr(self, name) <= 1.0:
                problems.append(f"{name} must be in (0, 1]")
        if problems:
            raise ValueError("invalid MinHashScheme: " + "; ".join(problems))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def check_compatible(self, other: "MinHashScheme | dict[str, Any]", where: str = "the index") -> None:
        """Raise ``SchemeMismatch`` naming both when ``other`` (what ``where`` was built with) differs."""
        recorded = other.as_dict() if isinstance(other, MinHashScheme) else dict(other)
        check_params(recorded, self.as_dict(), where)

    def lsh_probability(self, jaccard: float) -> float:
        """Chance that a pair with this Jaccard similarity shares at least one band."""
        return 1.0 - (1.0 - jaccard ** self.rows) ** self.bands

    def band_keys(self, signature: np.ndarray) -> list[int]:
        """One unsigned 64-bit bucket key per band (the band's position seeds the hash)."""
        raw = np.asarray(signature, dtype="<u4").tobytes()
        width = 4 * self.rows
        return [_xxh3_64(raw[i:i + width], i) for i in range(0, width * self.bands, width)]

    def judge(self, query: Fingerprint, stored: Fingerprint) -> tuple[float, float] | None:
        """``(jaccard, containment)`` when ``query`` duplicates ``stored``, else None."""
        na, nb = query.shingles, stored.shingles
        if na == 0 or nb == 0:
            return None
        equal = int(np.count_nonzero(query.signature == stored.signature))
        jaccard = equal / self.num_perm
        small, large = min(na, nb), max(na, nb)
        if small < self.min_shingles:
            return (1.0, 1.0) if equal == self.num_perm and na == nb else None
        shared = jaccard * (na + nb) / (1.0 + jaccard)  # |A & B| from J and the set sizes
        containment = min(1.0, shared / small)
        if jaccard >= self.threshold or (
                small >= self.min_length_ratio * large and containment >= self.containment_threshold):
            return jaccard, containment
        return None

    def minhash(self, fp: Fingerprint):
        """The fingerprint as a datasketch ``LeanMinHash`` (for datasketch's own LSH or tools)."""
        from datasketch import LeanMinHash

        return LeanMinHash(seed=self.seed, hashvalues=fp.signature, scheme=self.permutation)


DEFAULT_SCHEME = MinHashScheme()

# --- tokens -----------------------------------------------------------------


def words_of_keys(keys: Iterable[str]) -> list[bytes]:
    """The words of some ``match_key`` results, as UTF-8 bytes (what the shingle hash reads)."""
    return " ".join(keys).encode("utf-8", "surrogatepass").split()


def tokens(text: str) -> list[bytes]:
    """``match_key(text).split()`` as UTF-8 bytes: the recorded tokenizer (``TOKENIZER_NAME``)."""
    return key_words(text)


def _as_text(text_or_paragraphs: str | Iterable[str]) -> str:
    if isinstance(text_or_paragraphs, str):
        return text_or_paragraphs
    return "\n".join(text_or_paragraphs)


def shingles(text_or_paragraphs: str | Iterable[str], scheme: MinHashScheme = DEFAULT_SCHEME) -> list[bytes]:
    """Word k-grams joined by spaces: the slow path's input (one shingle if fewer words)."""
    words = tokens(_as_text(text_or_paragraphs))
    k = min(scheme.shingle_size, len(words))
    return [b" ".join(words[i:i + k]) for i in range(len(words) - k + 1)] if words else []


# --- fast fingerprint --------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch 2.0's affine32 permutations for (num_perm, seed), drawn the way it draws them.

    Drawn here rather than taken from a ``datasketch.MinHash`` so that cleaning
    never imports datasketch (its scipy import costs about a second per run);
    the tests compare every signature with datasketch itself.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)  # odd: a bijection
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a.reshape(-1, 1), b.reshape(-1, 1)


_POSITION_ARRAY = np.array(_POSITION_MULT, dtype=np.uint64)
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
_CHUNK = 512  # shingles per block: keeps the num_perm x block product in cache


def _fmix32(h: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2 = _FMIX32
    h = h ^ (h >> s1)
    h *= m1
    h ^= h >> s2
    h *= m2
    h ^= h >> s1
    return h


def fingerprint(text_or_paragraphs: str | Iterable[str], scheme: MinHashScheme = DEFAULT_SCHEME) -> Fingerprint:
    """The MinHash signature of the text's word shingles and how many distinct shingles it has."""
    return fingerprint_of_tokens(tokens(_as_text(text_or_paragraphs)), scheme)


def body_fingerprint(doc: Document, scheme: MinHashScheme = DEFAULT_SCHEME) -> Fingerprint:
    """``fingerprint(doc.paragraphs)``, its words taken from the match keys the repeated-passage
    step left (``doc.match_keys``) when they are of this very body: the same words (``tokens``
    is ``match_key(text).split()``) without tokenising the body a second time."""
    keys = doc.match_keys.of(doc.paragraphs) if doc.match_keys is not None else None
    doc.match_keys = None  # used up
    if keys is not None:
        return fingerprint_of_tokens(words_of_keys(keys), scheme)
    return fingerprint(doc.paragraphs, scheme)


def fingerprint_of_tokens(words: list[bytes], scheme: MinHashScheme = DEFAULT_SCHEME) -> Fingerprint:
    """The fingerprint of a body given as its ``tokens``."""
    n = len(words)
    if n == 0:
        return Fingerprint(np.full(scheme.num_perm, _MAX32, dtype=np.uint32), 0)
    word_hashes = np.fromiter(map(_xxh3_64, words), dtype=np.uint64, count=n)
    k = min(scheme.shingle_size, n)
    m = n - k + 1
    acc = word_hashes[:m] * _POSITION_ARRAY[0]
    for j in range(1, k):
        acc += word_hashes[j:j + m] * _POSITION_ARRAY[j]
    hashes = (acc >> np.uint64(32)).astype(np.uint32)
    ordered = np.sort(hashes)
    new = ordered[1:] != ordered[:-1]
    distinct = 1 + int(np.count_nonzero(new))
    mixed = _fmix32(ordered[np.concatenate(([True], new))] if distinct < m else ordered)  # min ignores repeats
    a, b = _permutations(scheme.num_perm, scheme.seed)
    signature = None
    for start in range(0, len(mixed), _CHUNK):
        block = a * mixed[start:start + _CHUNK]
        block += b
        low = block.min(axis=1)
        signature = low if signature is None else np.minimum(signature, low, out=signature)
    return Fingerprint(signature, distinct)


# --- the cleaning step -------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TakenFingerprint:
    """A fingerprint taken ahead of the decision (``NearDuplicateFilter.prepare``, maybe in a worker
    process), with the scheme it was taken with and a digest of the body it was taken of."""

    digest: int
    scheme: MinHashScheme
    fingerprint: Fingerprint


@dataclass(frozen=True)
class FingerprintTaker:
    """The near-duplicate step's preparation: the part that reads only the document (picklable)."""

    scheme: MinHashScheme

    def __call__(self, doc: Document) -> None:
        doc.fingerprint = TakenFingerprint(body_digest(doc.paragraphs), self.scheme, body_fingerprint(doc, self.scheme))


def body_digest(paragraphs: Iterable[str]) -> int:
    """A digest of the body a fingerprint was taken of (stable across processes, unlike ``hash``)."""
    return xxhash.xxh3_64_intdigest("\n".join(paragraphs).encode("utf-8", "surrogatepass"))


def content_key(paragraphs: Iterable[str]) -> str:
    """A key for a record with neither id nor URL: a hash of its normalised words.

    Such a record has no identity to re-run under, so meeting its own key means
    the same words arrived twice: ``NearDuplicateFilter`` rejects it as ``duplicate``.
    """
    return "text:" + xxhash.xxh3_128_hexdigest(b" ".join(tokens(_as_text(paragraphs))))


class NearDuplicateFilter:
    """Step "near_duplicates": rejects a story whose cleaned body near-duplicates one already kept,
    in this run or an earlier one (``near_duplicate``, with ``duplicate_of`` the kept one's key).

    Stateful: ``prepare`` (the fingerprint, from the document alone) may run ahead, in a worker
    process; ``decide`` checks and indexes a batch in one atomic index call, in order. The index
    may be given as a function that opens it (the crawl's store opens with the spider). Method:
    MinHash (Broder 1997) of word 5-gram shingles with LSH banding, verified by estimated Jaccard
    similarity and containment (see the module doc and ``MinHashScheme``).
    """

    name = "near_duplicates"
    stateful = True

    def __init__(self, index: NearDupIndex | Callable[[], NearDupIndex], scheme: MinHashScheme | None = None):
        self._index = index if isinstance(index, NearDupIndex) else None
        self._open_index = None if isinstance(index, NearDupIndex) else index
        self._scheme = scheme
        if self._index is not None:
            self._check(self._index)
        self.counts: Counter = Counter()

    @property
    def scheme(self) -> MinHashScheme:
        """The scheme fingerprints are taken with (the index's, once it is open)."""
        if self._index is not None:
            return self._scheme or self._index.scheme  # type: ignore[return-value]
        return self._scheme or DEFAULT_SCHEME

    @property
    def index(self) -> NearDupIndex:
        if self._index is None:
            index = self._open_index()
            self._check(index)
            self._index = index
        return self._index

    def _check(self, index: NearDupIndex) -> None:
        if self._scheme is not None:
            self._scheme.check_compatible(index.scheme.as_dict(), where=f"the near-duplicate index {index!r}")

    @property
    def preparer(self) -> FingerprintTaker:
        """Takes the body's fingerprint ahead of ``decide`` (reads nothing but the document)."""
        return FingerprintTaker(self.scheme)

    def _fingerprint(self, doc: Document) -> Fingerprint:
        """The fingerprint taken ahead, if it is of this very body and this scheme; else one taken now."""
        taken, doc.fingerprint = doc.fingerprint, None
        scheme = self.scheme
        if (isinstance(taken, TakenFingerprint) and taken.scheme == scheme
                and taken.digest == body_digest(doc.paragraphs)):
            return taken.fingerprint
        return body_fingerprint(doc, scheme)

    def __call__(self, doc: Document) -> Rejection | None:
        return self.decide([doc])[0]

    def decide(self, docs: list[Document]) -> list[Rejection | None]:
        """The verdict on each document, in order, as if each went through ``__call__`` in
        turn, with one index call for all of them (one transaction in SQLite)."""
        verdicts: list[Rejection | None] = [None] * len(docs)
        queued: list[tuple[int, str, Fingerprint]] = []
        content_keys: set[str] = set()
        for i, doc in enumerate(docs):
            fp = self._fingerprint(doc)
            if fp.shingles == 0:
                self.counts["empty"] += 1
                continue
            key = doc.key
            if key is None:
                # No identity but the words: the same words seen before are a repeat, not a re-run.
                key = content_key(doc.paragraphs)
                if key in content_keys or key in self.index:
                    self.counts["duplicates"] += 1
                    verdicts[i] = Rejection("duplicate", detail="the same words as an earlier record",
                                            duplicate_of=key)
                    continue
                content_keys.add(key)
            queued.append((i, key, fp))
        matches = self.index.check_and_insert_many([(key, fp) for i, key, fp in queued]) if queued else []
        for (i, key, fp), match in zip(queued, matches):
            if match is None:
                self.counts["indexed"] += 1
                docs[i].indexed_as = key
            else:
                self.counts["duplicates"] += 1
                verdicts[i] = Rejection("near_duplicate", detail=match.describe(), duplicate_of=match.key)
        return verdicts
