"""Drop passages repeated inside one article, keeping the first occurrence in order.

Captures repeat text: the whole body twice or three times, paragraphs 2..N a
second time, a block mid-article, a line printed twice, a truncated copy of a
long paragraph. Real articles repeat text too, and those repeats are the
story: interview questions asked of each guest, "Buy now" under every
product, the same spec list for two models, "Photo" captions. The line drawn:

- a repeated block (two or more paragraphs repeated in the same order) that
  holds a *long* paragraph (``long_words``: prose, not a label, list item or
  question), or runs to ``block_words`` in all, is an artefact, every
  paragraph of it (a repeated "Available from Amazon / Buy now" pair is not);
- a lone repeated paragraph is one when it is longer still (``alone_words``:
  pull quotes, embedded tweets and interview questions repeat legitimately
  and run shorter);
- any line printed twice in a row is one;
- other repeats stay.

Matching ignores case, spacing and punctuation (``text.match_key``): exact
matches by hash. Near matches (one changed word, a truncated copy) are
looked for only against long paragraphs, among those sharing their first or
last words, so the common case stays a dict lookup per paragraph.

Work is linear in the story, whatever it holds (issue 16: 223 KB of one short
paragraph printed again and again took 10 s and 1.7 GB): a paragraph is
matched against at most ``candidates`` earlier copies of itself (the first and
the latest ones), word-sequence similarity is computed only for paragraphs of
up to ``near_max_words`` words (longer ones are compared word by word, in
place), and the decision is taken again at most ``max_passes`` times.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from newscrawl.cleaning.document import Document, MatchKeys, Rejection
from newscrawl.cleaning.text import match_keys


@dataclass(frozen=True)
class Thresholds:
    """Where repeats become artefacts (the line is drawn in the module doc)."""

    long_words: int = 20  # a repeated block (2+ paragraphs) holding a paragraph this long is an artefact
    block_words: int = 30  # ...or that long in all (wire copy runs to one-sentence paragraphs)
    alone_words: int = 30  # a lone repeated paragraph must be this long (pull quotes and questions run shorter)
    near_min_words: int = 10  # shorter paragraphs match exactly or not at all
    near_ratio: float = 0.9  # word-sequence similarity of a near repeat (one word changed in ten)
    edge_words: int = 5  # first/last words used to find near-repeat candidates
    # -- bounds on the work (see the module doc) -------------------------------------------
    candidates: int = 8  # earlier copies of a paragraph a repeat is aligned with: the first and the latest
    near_max_words: int = 1000  # longer paragraphs are compared word by word, not by sequence matching
    max_passes: int = 8  # the decision is taken again on the survivors at most this often


DEFAULT = Thresholds()


def find_twins(keys: list[str], t: Thresholds = DEFAULT) -> list[list[int]]:
    """For each paragraph key, earlier paragraphs it repeats (empty: none), oldest first: the
    first copy and the latest ones, ``t.candidates`` at most.

    Keys are single-spaced (``match_keys``), so a paragraph's first and last words are
    cut off its key without splitting all of it; only near-repeat candidates are split.
    """
    twins: list[list[int]] = [[] for _ in keys]
    keep = max(2, t.candidates)
    seen: dict[str, list[int]] = {}
    originals: dict[int, str] = {}  # long paragraphs a later one may nearly repeat
    starts: dict[tuple[str, ...], int] = {}
    ends: dict[tuple[str, ...], int] = {}
    for i, key in enumerate(keys):
        if not key:
            continue  # punctuation-only separators ("* * *") are never repeats
        earlier = seen.get(key)
        if earlier is not None:
            twins[i] = list(earlier)
            earlier.append(i)
            if len(earlier) > keep:
                del earlier[1]  # the first copy stays a candidate, and the latest ones
            continue
        seen[key] = [i]
        n = key.count(" ") + 1
        if n < t.near_min_words:
            continue
        start = tuple(key.split(" ", t.edge_words)[:t.edge_words])
        end = tuple(key.rsplit(" ", t.edge_words)[-t.edge_words:])
        j = _near_twin(key, start, end, originals, starts, ends, t)
        if j is not None:
            twins[i] = [j]
            seen[key] = [j, i]  # later exact copies of this variant repeat the original too
        elif n >= t.long_words:
            originals[i] = key
            starts.setdefault(start, i)
            ends.setdefault(end, i)
    return twins


def _near_twin(key, start, end, originals, starts, ends, t: Thresholds) -> int | None:
    candidates = {starts.get(start), ends.get(end)}
    candidates.discard(None)
    for j in sorted(candidates):
        if is_near_repeat(key.split(" "), originals[j].split(" "), t.near_ratio, t.near_max_words):
            return j
    return None


def is_near_repeat(words: list[str], original: list[str], ratio: float = DEFAULT.near_ratio,
                   max_words: int = DEFAULT.near_max_words) -> bool:
    """A truncated copy (cut at either end, maybe mid-word) or a copy with a word or two changed.

    Sequence matching is quadratic at worst, so paragraphs longer than ``max_words`` are only
    compared word by word (a changed word, not an inserted one, in a wall of text)."""
    n = len(words)
    if n < len(original):
        if original[: n - 1] == words[:-1] and original[n - 1].startswith(words[-1]):
            return True
        if original[len(original) - n + 1:] == words[1:] and original[len(original) - n].endswith(words[0]):
            return True
    # Cheap upper bounds of the ratio first (as SequenceMatcher's own quick ratios, without its set-up).
    if 2 * min(n, len(original)) < ratio * (n + len(original)):
        return False
    if 2 * sum((Counter(words) & Counter(original)).values()) < ratio * (n + len(original)):
        return False
    if max(n, len(original)) > max_words:
        return 2 * sum(a == b for a, b in zip(words, original)) >= ratio * (n + len(original))
    return SequenceMatcher(None, words, original, autojunk=False).ratio() >= ratio


def repeated(paragraphs: list[str], keys: list[str] | None = None, t: Thresholds = DEFAULT) -> list[bool]:
    """Which paragraphs to drop as repeats (see the module doc for the rule).

    Decided again on what is kept until nothing more goes (``max_passes`` at most): dropping a copy can
    make two survivors adjacent or aligned, and a second cleaning must find
    nothing left to do. ``keys``: the paragraphs' ``match_keys``, when known.
    """
    if keys is None:
        keys = match_keys(paragraphs)
    alive = list(range(len(keys)))
    for _ in range(max(1, t.max_passes)):
        drop = _drop_once([keys[i] for i in alive], t)
        if not any(drop):
            break
        alive = [i for i, d in zip(alive, drop) if not d]
    kept = set(alive)
    return [i not in kept for i in range(len(keys))]


def _drop_once(keys: list[str], t: Thresholds) -> list[bool]:
    twins = find_twins(keys, t)
    lengths = [k.count(" ") + 1 if k else 0 for k in keys]  # keys hold single spaces only
    n = len(keys)
    artefact = [False] * n
    i = 0
    while i < n:
        if not twins[i]:
            i += 1
            continue
        # Extend over the run of repeats whose originals are consecutive too: one repeated block.
        j, origins = i, set(twins[i])
        while j + 1 < n:
            if keys[j + 1]:
                follow = {t + 1 for t in origins}.intersection(twins[j + 1])
            else:  # a separator line copied along with the block it sits in
                follow = {t + 1 for t in origins if t + 1 < j + 1 and not keys[t + 1]}
            if not follow:
                break
            j, origins = j + 1, follow
        while not keys[j]:
            j -= 1  # a separator after the block belongs to what follows
        repeats = [k for k in range(i, j + 1) if keys[k]]
        longest = max(max(lengths[k], lengths[twins[k][0]]) for k in repeats)
        if len(repeats) > 1:
            is_artefact = longest >= t.long_words or sum(lengths[i:j + 1]) >= t.block_words
        else:
            is_artefact = longest >= t.alone_words
        if is_artefact:
            artefact[i:j + 1] = [True] * (j + 1 - i)
        i = j + 1

    drop = [False] * n
    last_kept = None
    for i, twin in enumerate(twins):
        if artefact[i] or (twin and last_kept is not None and keys[last_kept] == keys[i]):
            drop[i] = True
        else:
            last_kept = i
    return drop


class RepeatedPassageFilter:
    """Step "passages": drop paragraphs and runs of paragraphs repeated inside one article.

    The thresholds (``Thresholds``' fields, as keyword arguments) were set on real captures of
    MENAFN pages and on the article-extraction benchmark's pages (``benchmarks/cleaning_quality.py``):
    captures that print a body twice, and articles whose questions, captions and "Buy now" lines
    repeat on purpose. The paragraphs' match keys are left on ``doc.match_keys`` for the
    near-duplicate fingerprint.
    """

    name = "passages"

    def __init__(self, **thresholds):
        self.thresholds = Thresholds(**thresholds)

    def __call__(self, doc: Document) -> Rejection | None:
        if len(doc.paragraphs) < 2:
            return None
        keys = match_keys(doc.paragraphs)
        drop = repeated(doc.paragraphs, keys, self.thresholds)
        n = sum(drop)
        if n:
            doc.paragraphs = [p for p, d in zip(doc.paragraphs, drop) if not d]
            keys = [k for k, d in zip(keys, drop) if not d]
            doc.removed["repeated_passage"] += n
        doc.match_keys = MatchKeys(tuple(doc.paragraphs), keys)
        return None
