"""The article-extraction-benchmark metric (benchmarks/metric.py) that extraction is judged by."""

from __future__ import annotations

import pytest

from benchmarks.metric import aggregate, page_scores, shingles


def test_shingles_are_word_4grams_with_case_kept():
    assert shingles("One two, three! four five") == {("One", "two", "three", "four"): 1, ("two", "three", "four", "five"): 1}
    assert shingles("Just three words") == {("Just", "three", "words"): 1}  # short text: one short shingle
    assert shingles("") == {}


def test_identical_texts_score_perfectly_and_whitespace_does_not_matter():
    assert page_scores("a b c d e f", "a  b\nc d. e f") == (1.0, 0.0, 0.0)


def test_repeated_paragraph_counts_as_false_positive():
    truth = "w1 w2 w3 w4 w5"
    tp, fp, fn = page_scores(truth, truth + "\n" + truth)
    # 2 true shingles; the doubled text has 7: the 2 matched, their 2 copies and 3 spanning the seam
    assert (tp, fp, fn) == (pytest.approx(2 / 7), pytest.approx(5 / 7), 0.0)


def test_scores_are_normalised_per_page():
    assert sum(page_scores("a b c d e f g", "a b c d x y z")) == pytest.approx(1.0)
    assert page_scores("", "") == (0.0, 0.0, 0.0)


def test_aggregate_averages_over_the_pages_that_count():
    pages = [(1.0, 0.0, 0.0), (0.5, 0.5, 0.0), (0.0, 0.0, 1.0)]  # perfect, half noise, nothing predicted
    result = aggregate(pages)
    assert result["precision"] == pytest.approx((1.0 + 0.5) / 2)  # page 3 predicted nothing
    assert result["recall"] == pytest.approx((1.0 + 1.0 + 0.0) / 3)
    p, r = result["precision"], result["recall"]
    assert result["f1"] == pytest.approx(2 * p * r / (p + r))
    assert result["pages"] == 3


def test_aggregate_of_nothing_is_zero():
    assert aggregate([])["f1"] == 0.0
