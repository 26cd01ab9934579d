"""Repeated passages inside one article: copies go, the first occurrence stays, in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from newscrawl.cleaning.document import Document, split_paragraphs
from newscrawl.cleaning.passages import RepeatedPassageFilter, is_near_repeat, repeated

CAPTURES = Path(__file__).parent / "fixtures" / "captures"
BODY = split_paragraphs((CAPTURES / "story_body.txt").read_text(encoding="utf-8"))


def run(paragraphs: list[str]) -> Document:
    doc = Document(paragraphs=list(paragraphs))
    assert RepeatedPassageFilter()(doc) is None  # this step never rejects
    return doc


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(BODY + BODY[1:], id="paragraphs-2..N-again"),
        pytest.param(BODY * 2, id="whole-body-twice"),
        pytest.param(BODY * 3, id="whole-body-three-times"),
        pytest.param(BODY[:5] + BODY[1:3] + BODY[5:], id="block-repeated-mid-article"),
        pytest.param(BODY[:3] + BODY[2:3] + BODY[3:], id="paragraph-printed-twice"),
        pytest.param(BODY + BODY[:4], id="truncated-copy-of-the-body"),
    ],
)
def test_capture_repeats_leave_each_paragraph_once_in_order(layout):
    doc = run(layout)
    assert doc.paragraphs == BODY
    assert doc.removed["repeated_passage"] == len(layout) - len(BODY)


def test_a_short_line_printed_twice_in_a_row_is_printed_once():
    paras = BODY[:2] + ["Watch the video", "Watch the video"] + BODY[2:]
    assert run(paras).paragraphs == BODY[:2] + ["Watch the video"] + BODY[2:]


def test_matching_ignores_case_spacing_and_punctuation():
    shouted = BODY[1].upper().replace(",", "").replace(" ", "  ")
    assert run(BODY + [shouted]).paragraphs == BODY


def test_a_repeat_with_one_word_changed_is_dropped_and_the_first_version_kept():
    variant = BODY[4].replace("welcomed", "praised")
    assert variant != BODY[4]
    assert run(BODY + [variant]).paragraphs == BODY


def test_a_truncated_repeat_of_a_long_paragraph_is_dropped():
    cut = BODY[4][: len(BODY[4]) * 2 // 3]  # cut mid-word, as captures do
    doc = run(BODY[:6] + [cut] + BODY[6:])
    assert doc.paragraphs == BODY


def test_different_paragraphs_sharing_an_opening_are_both_kept():
    a = "The ministry said on Monday that it would review the tender rules for all public works contracts awarded after January, starting with roads."
    b = "The ministry said on Monday that it would publish the names of every bidder in future rounds, a demand long made by opposition lawmakers and builders."
    assert not is_near_repeat(b.lower().split(), a.lower().split())
    assert run([a, b]).paragraphs == [a, b]


def test_legitimate_short_repeats_of_a_real_article_stay():
    """Interview questions, captions and bylines repeat in real stories: they are not artefacts."""
    paras = split_paragraphs((CAPTURES / "legit_repeats.txt").read_text(encoding="utf-8"))
    doc = run(paras)
    assert doc.paragraphs == paras
    assert not doc.removed


def test_a_lone_repeat_of_a_short_quote_stays_but_a_lone_repeat_of_a_long_paragraph_goes():
    quote = "“The service itself was never down,” the spokesperson said on Monday evening."
    assert run(BODY[:3] + [quote] + BODY[3:] + [quote]).paragraphs == BODY[:3] + [quote] + BODY[3:] + [quote]
    other = "Separately, the authority said a new passenger terminal for cruise ships would open in time for the winter season."
    long_one = BODY[4]  # 44 words, repeated alone between two paragraphs that are not repeats
    assert run(BODY + [other, long_one, quote]).paragraphs == BODY + [other, quote]


def test_repeated_block_with_a_legitimately_repeated_line_inside_goes_whole():
    body = [BODY[0], "Photo", BODY[1], "Photo", BODY[2]]
    assert run(body * 2).paragraphs == body


def test_punctuation_only_separators_are_never_treated_as_repeats():
    paras = [BODY[0], "* * *", BODY[1], "* * *", BODY[2]]
    assert run(paras).paragraphs == paras


def test_first_occurrence_is_the_one_kept():
    variant = BODY[4].replace("welcomed", "praised")
    drop = repeated([variant] + BODY)
    assert drop[0] is False and drop[1 + 4] is True


def test_a_single_paragraph_or_an_empty_document_is_left_alone():
    assert run([]).paragraphs == []
    assert run(BODY[:1]).paragraphs == BODY[:1]


def test_a_repeated_block_of_one_sentence_paragraphs_goes_when_it_is_long_in_all():
    wire = ["Police closed the coastal road after the landslide on Sunday night.",
            "No one was hurt, the civil defence said in a statement.",
            "Engineers expect to reopen one lane by Wednesday morning."]
    assert all(len(p.split()) < 20 for p in wire)
    assert run(wire + wire).paragraphs == wire


def test_separator_lines_inside_a_repeated_body_go_with_it():
    body = [BODY[0], "\u200b", "Photo", "\u200b", BODY[1], "* * *", "Read more"]
    assert run(body * 2).paragraphs == body
