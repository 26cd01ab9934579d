"""The extraction benchmark's field scores: what counts as the same title, date and author set."""

from __future__ import annotations

from benchmarks.extraction import HAND_WRITTEN, annotated_pages, field_scores

TRUTH = {"title": "Fed holds rates", "published": "2026-03-18T18:02:00+00:00", "authors": ["Tom Krisher", "Jane Roe"],
         "body": ["One paragraph of the story."]}


def found(**kw) -> dict:
    return {"title": "Fed holds rates", "published": "2026-03-18T18:02:00Z", "authors": ["TOM KRISHER", "jane roe"],
            "body": "One paragraph of the story.", **kw}


def test_exact_scores():
    assert field_scores(TRUTH, found()) == {"title_exact": 1.0, "date_same_day": 1.0, "date_exact_offset": 1.0,
                                            "authors_exact": 1.0, "author_recall": 1.0, "body_f1": 1.0}


def test_the_offset_must_be_the_stated_one_and_z_is_plus_zero():
    assert field_scores(TRUTH, found(published="2026-03-18T18:02:00"))["date_exact_offset"] == 0.0  # no zone
    assert field_scores(TRUTH, found(published="2026-03-18T13:02:00-05:00"))["date_exact_offset"] == 0.0  # same instant
    assert field_scores(TRUTH, found(published="2026-03-18T13:02:00-05:00"))["date_same_day"] == 1.0
    assert field_scores(TRUTH, found(published="2026-03-19T01:00:00+07:00"))["date_same_day"] == 0.0


def test_author_sets_and_missing_annotations():
    scores = field_scores(TRUTH, found(authors=["Tom Krisher", "Associated Press"]))
    assert (scores["authors_exact"], scores["author_recall"]) == (0.0, 0.5)
    unknown = field_scores({"title": None, "published": None, "authors": None, "day": "2026-03-18"}, found())
    assert unknown == {"title_exact": None, "date_same_day": 1.0, "date_exact_offset": None, "authors_exact": None}


def test_the_hand_written_pages_load_with_their_truth():
    pages = annotated_pages(HAND_WRITTEN, None)
    assert len(pages) >= 15 and all(url.startswith("https://") and "<html" in html for _, url, html, _ in pages)
