"""Disclaimers, comment blocks, labels, tracking tokens, FLS blocks, dateline and title leave the body."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from newscrawl.cleaning.document import Document, split_paragraphs
from newscrawl.sites import cleaning_rules
from newscrawl.steps import BOILERPLATE_STEPS, build_chain

STRIP = build_chain(BOILERPLATE_STEPS)


def strip_with(rules_extra, doc: Document) -> None:
    """The boilerplate steps, with extra rules as NEWSCRAWL_EXTRA_RULES gives them."""
    assert build_chain(BOILERPLATE_STEPS, extra_rules=rules_extra).clean(doc).kept

CAPTURES = Path(__file__).parent / "fixtures" / "captures"
BODY = split_paragraphs((CAPTURES / "story_body.txt").read_text(encoding="utf-8"))
TITLE = "Oman’s Sohar Port To Add Two Deep-Water Berths By Next Year"
DISCLAIMER = (
    "MENAFN provides the information “as is” without warranty of any kind. We do not accept any responsibility "
    "or liability for the accuracy, content, images, videos, licenses, completeness, legality, or reliability of "
    "the information contained in this article. If you have any complaints or copyright issues related to this "
    "article, kindly contact the provider above."
)
TOKEN = "MENAFN03032026000049011224ID1110762093"


def strip(text: str, **fields) -> Document:
    doc = Document.from_text(text, **fields)
    assert STRIP.clean(doc).kept
    return doc


def with_body(*after: str, before: tuple[str, ...] = ()) -> str:
    return "\n".join([*before, *BODY, *after])


def mojibake(s: str) -> str:
    return s.encode("utf-8").decode("cp1252", errors="ignore")


@pytest.mark.parametrize(
    "noise",
    [
        pytest.param(["Legal Disclaimer:", DISCLAIMER], id="label-then-text"),
        pytest.param(["Legal Disclaimer: " + DISCLAIMER], id="one-line"),
        pytest.param(["Legal  Disclaimer:", DISCLAIMER.replace(" ", "  ").replace("is” without", "is”without")], id="odd-spacing"),
        pytest.param(["Legal Disclaimer:", *textwrap.wrap(DISCLAIMER, 60)], id="wrapped-at-60"),
        pytest.param(["Legal Disclaimer:", *DISCLAIMER.split(". ")], id="one-sentence-a-line"),
        pytest.param(["Legal Disclaimer:", mojibake(DISCLAIMER)], id="cp1252-mojibake"),
        pytest.param(["Legal Disclaimer:", DISCLAIMER.replace("“", '"').replace("”", '"')], id="straight-quotes"),
        pytest.param(["Comments", "No comment"], id="comments-block"),
        pytest.param(["CommentsNo comment"], id="comments-glued"),
        pytest.param([TOKEN], id="tracking-token-line"),
        pytest.param([TOKEN, TOKEN], id="tracking-token-twice"),
        pytest.param(["#Oman #Ports #Shipping", "More Stories"], id="hashtags-and-labels"),
        pytest.param(["Legal Disclaimer:", DISCLAIMER, "CommentsNo comment", TOKEN], id="all-of-them"),
    ],
)
def test_menafn_boilerplate_after_the_story_is_removed(noise):
    doc = strip(with_body(*noise))
    assert doc.paragraphs == BODY
    assert sum(doc.removed.values()) >= 1


def test_a_disclaimer_glued_to_the_last_paragraph_leaves_the_paragraph():
    text = "\n".join(BODY[:-1] + [BODY[-1] + " Legal Disclaimer: " + DISCLAIMER + " CommentsNo comment"])
    assert strip(text).paragraphs == BODY


def test_tracking_tokens_inside_a_paragraph_are_cut_out_of_it():
    text = "\n".join(BODY[:-1] + [f"{BODY[-1]} {TOKEN} {TOKEN}"])
    doc = strip(text)
    assert doc.paragraphs == BODY
    assert doc.removed["tracking"] == 2


def test_dateline_fills_provider_and_leaves_the_body():
    doc = strip("\n".join(["(MENAFN- Times of Oman) " + BODY[0], *BODY[1:]]))
    assert doc.paragraphs == BODY
    assert doc.provider == "Times of Oman"
    assert doc.removed["dateline"] == 1


def test_menafn_own_story_dateline_gives_provider_menafn():
    doc = strip("\n".join(["(MENAFN) " + BODY[0], *BODY[1:]]))
    assert doc.provider == "MENAFN" and doc.paragraphs == BODY


def test_a_known_provider_is_not_overwritten_by_the_dateline():
    doc = strip("\n".join(["(MENAFN- Times of Oman) " + BODY[0], *BODY[1:]]), provider="Times of Oman Online")
    assert doc.provider == "Times of Oman Online" and doc.paragraphs == BODY


def test_raw_capture_title_line_before_the_dateline_fills_title():
    doc = strip("\n".join([" date 2026-03-03 403", TITLE, "(MENAFN- Times of Oman) " + BODY[0], *BODY[1:]]))
    assert doc.title == TITLE
    assert doc.published == "2026-03-03"
    assert doc.paragraphs == BODY


def test_raw_capture_title_line_after_the_date_line_is_found_without_a_dateline():
    doc = strip("\n".join([" date 2026-03-03 08:15:00", TITLE, *BODY]))
    assert doc.title == TITLE
    assert doc.published == "2026-03-03T08:15:00"
    assert doc.paragraphs == BODY


def test_known_title_drops_lines_equal_to_it_and_nothing_else():
    doc = strip("\n".join([TITLE.upper() + ".", *BODY, TITLE]), title=TITLE)
    assert doc.paragraphs == BODY
    assert doc.title == TITLE
    assert doc.removed["title"] == 2


def test_a_short_first_line_of_a_plain_body_is_not_taken_for_a_title():
    """Without a date line or dateline to place it, a subhead stays part of the story."""
    text = "\n".join(["Port expansion", *BODY])
    doc = strip(text)
    assert doc.paragraphs == ["Port expansion", *BODY]
    assert doc.title is None


def test_press_release_loses_fls_block_and_distributor_disclaimer_but_keeps_about_section():
    doc = strip((CAPTURES / "press_release.txt").read_text(encoding="utf-8"))
    expected = split_paragraphs((CAPTURES / "press_release_body.txt").read_text(encoding="utf-8"))
    # the shell lines are the shell step's business; the rest is this step's
    assert [p for p in doc.paragraphs if p not in ("Sorry!!",) and not p.startswith("Error!")] == expected
    assert doc.removed["fls"] == 4
    assert doc.provider == "GlobeNewsWire - Nasdaq"
    assert doc.title == "Halcyon Grid Systems Signs 400 MWh Storage Supply Deal In Jordan"


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param(["Safe Harbor Statement: This release contains forward-looking statements, and actual results may differ materially."], id="safe-harbor-inline"),
        pytest.param(["Cautionary Note Regarding Forward-Looking Statements", "Statements in this release that are not historical facts are forward-looking statements subject to risks and uncertainties."], id="cautionary-note"),
        pytest.param(["EIN Presswire does not exercise editorial control over third-party content provided, uploaded, published, or distributed by users of EIN Presswire. We are a distributor, not an author, of the third-party content we distribute. We do not accept any responsibility or liability for the accuracy, content, images, videos, licenses, completeness, legality, or reliability of the information contained in this article. If you have any complaints or copyright issues related to this article, kindly contact the author above."], id="ein-presswire"),
        pytest.param(["View original content:https://www.prnewswire.com/news-releases/halcyon-301234567.html", "SOURCE Halcyon Grid Systems"], id="pr-newswire-footer"),
        pytest.param(["This content was issued through the press release distribution service at Newswire.com."], id="newswire-com"),
    ],
)
def test_press_release_distributor_text_is_removed(tail):
    assert strip(with_body(*tail)).paragraphs == BODY


def test_a_story_that_mentions_forward_looking_statements_once_keeps_the_sentence():
    sentence = ("The regulator said companies would have to label forward-looking statements more clearly in "
                "annual reports from next year, after complaints from retail investors.")
    assert strip(with_body(sentence)).paragraphs == BODY + [sentence]


def test_extra_rules_add_patterns_for_one_source_only():
    extra = {"menafn": {"label_lines": ["Related Stories"]}, "gulfwire": {"label_lines": ["Wire Desk"]}}
    text = with_body("Related Stories", "Wire Desk")
    menafn = Document.from_text(text, source="menafn")
    strip_with(extra, menafn)
    assert menafn.paragraphs == BODY + ["Wire Desk"]
    gulfwire = Document.from_text(text, source="gulfwire")
    strip_with(extra, gulfwire)
    assert gulfwire.paragraphs == BODY + ["Related Stories"]
    unknown = Document.from_text(text, source="generic")  # origin unknown: every rule set applies
    strip_with(extra, unknown)
    assert unknown.paragraphs == BODY


def test_extra_rules_in_plain_fields_extend_the_generic_set():
    doc = Document.from_text(with_body("Republished with permission of Gulf Wire. All rights reserved."))
    strip_with({"disclaimers": ["Republished with permission of … All rights reserved."]}, doc)
    assert doc.paragraphs == BODY


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"label_line": ["x"]}, "label_line"),
        ({"menafn": {"labels": ["x"]}}, "labels"),
        ({"label_lines": "Related"}, "list of strings"),
        ({"label_lines": ["re:(unclosed"]}, "(unclosed"),
    ],
)
def test_bad_extra_rules_are_reported_clearly_at_start(extra, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        cleaning_rules(extra)
