"""The article-extraction-benchmark's body metric, shared by the extraction and cleaning benchmarks.

Text is split into ``\\w+`` tokens (case kept) and compared as multisets of
word 4-gram shingles. Each page's tp/fp/fn are normalised to sum 1 so long
pages weigh no more than short ones; precision is averaged over pages with
any predicted shingle, recall over pages with any true shingle, and F1 is
taken from the two averages (as scrapinghub/article-extraction-benchmark does).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from statistics import mean

from newscrawl.cleaning.text import word_tokens

Triple = tuple[float, float, float]


def shingles(text: str | None, n: int = 4) -> Counter:
    """Multiset of word n-grams; a text shorter than n words is one short shingle."""
    tokens = word_tokens(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def page_scores(true: str | None, pred: str | None, n: int = 4) -> Triple:
    """(tp, fp, fn) of one page, normalised to sum 1 (all 0 when both texts are empty)."""
    t, p = shingles(true, n), shingles(pred, n)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else tp / (tp + fn)


def aggregate(triples: Iterable[Triple]) -> dict[str, float]:
    """Averaged precision and recall over the pages that count for each, and F1 from them."""
    triples = list(triples)
    precisions = [_precision(*x) for x in triples if x[0] + x[1] > 0]
    recalls = [_recall(*x) for x in triples if x[0] + x[2] > 0]
    precision = mean(precisions) if precisions else 0.0
    recall = mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall, "pages": len(triples)}
