"""The whole chain: captures clean to exactly their story; shells stop at the step that knows them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from parsel import Selector

from newscrawl.cleaning.chain import CleaningChain, Outcome, StepResult
from newscrawl.cleaning.document import Document, Rejection, split_paragraphs
from newscrawl.steps import DEFAULT_STEPS, TEXT_STEPS, build_chain, build_step, clean_text
from newscrawl.sites import cleaning_rules
from tests.shared_data import SHARED, needs_shared


def text_steps(*after):
    """The default steps that read only the story, then ``after``."""
    return [build_step(spec, rules=cleaning_rules(), index=None) for spec in TEXT_STEPS] + list(after)

CAPTURES = Path(__file__).parent / "fixtures" / "captures"
BODY = split_paragraphs((CAPTURES / "story_body.txt").read_text(encoding="utf-8"))
TITLE = "Oman’s Sohar Port To Add Two Deep-Water Berths By Next Year"


def read(name: str) -> str:
    return (CAPTURES / name).read_text(encoding="utf-8")


class RejectAll:
    """A stand-in near-duplicate step: says every record it sees is a copy."""

    name = "near_duplicates"

    def __init__(self):
        self.seen = 0

    def __call__(self, doc: Document) -> Rejection | None:
        self.seen += 1
        return Rejection("near_duplicate", "test", duplicate_of="x")


def test_default_steps_run_in_the_documented_order():
    assert [s.name for s in build_chain(TEXT_STEPS).steps] == [
        "shells", "disclaimers", "labels", "forward_looking", "headline", "passages", "empty"]
    from newscrawl.store import MemoryIndex
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME

    chain = build_chain(DEFAULT_STEPS, index=MemoryIndex(DEFAULT_SCHEME))
    assert [s.name for s in chain.stateful] == ["near_duplicates"] and len(chain.pure) == 7


@pytest.mark.parametrize("capture", ["menafn_seed_style.txt", "menafn_mojibake.txt"])
def test_seed_style_capture_cleans_to_exactly_its_story(capture):
    out = clean_text(read(capture))
    assert out.kept and out.rejection is None and out.step is None
    assert out.doc.paragraphs == BODY
    assert out.doc.title == TITLE
    assert out.doc.provider == "Times of Oman"
    assert out.doc.published == "2026-03-03"


def test_press_release_cleans_to_its_release_without_fls_or_disclaimers():
    out = clean_text(read("press_release.txt"))
    assert out.kept
    assert out.doc.paragraphs == split_paragraphs(read("press_release_body.txt"))


def test_a_shell_stops_the_chain_at_the_shell_step():
    extra = RejectAll()
    chain = CleaningChain(text_steps(extra))
    text = read("shells/menafn_soft404.txt")
    out = chain.clean(Document.from_text(text))
    assert not out.kept
    assert (out.step, out.rejection.reason) == ("shells", "error_shell")
    assert extra.seen == 0  # later steps never saw it
    assert any("Legal Disclaimer" in p for p in out.doc.paragraphs)  # boilerplate never ran either


def test_a_kept_story_reaches_the_near_duplicate_step_cleaned():
    seen = []

    class Record:
        name = "near_duplicates"

        def __call__(self, doc):
            seen.append(list(doc.paragraphs))

    out = CleaningChain(text_steps(Record())).clean(Document.from_text(read("menafn_seed_style.txt")))
    assert out.kept and seen == [BODY]


def test_record_with_nothing_left_after_boilerplate_is_an_error_shell_from_the_empty_step():
    # Too long for the shell step's quick "labels only" check, so the empty step has to catch it.
    disclaimer = split_paragraphs(read("shells/menafn_labels_and_disclaimer.txt"))[1:]
    out = clean_text("\n".join(["Date"] + disclaimer * 8))
    assert not out.kept and out.rejection.reason == "error_shell"
    assert out.step == "empty"
    assert clean_text("").rejection.reason == "empty"


def test_outcome_kept_follows_the_rejection():
    doc = Document(paragraphs=[])
    assert Outcome(doc).kept and not Outcome(doc, [StepResult("empty", Counter(), Rejection("empty"))]).kept


def run_as_separate_pipelines(text: str, **fields):
    """What the item pipelines do: every step gets a fresh Document built from the previous body."""
    body = text
    for step in text_steps():
        doc = Document(paragraphs=split_paragraphs(body), **fields)
        rejection = step(doc)
        if rejection is not None:
            return step.name, rejection
        body = doc.body
        fields["title"] = fields.get("title") or doc.title
    return None, body


@pytest.mark.parametrize("capture", ["menafn_seed_style.txt", "menafn_mojibake.txt", "press_release.txt",
                                     "quotes_error_message.txt", "legit_repeats.txt"])
def test_step_by_step_pipelines_give_the_same_body_as_the_chain(capture):
    text = read(capture)
    step, body = run_as_separate_pipelines(text)
    assert step is None
    assert body == clean_text(text).doc.body


@pytest.mark.parametrize("capture, reason", [("shells/menafn_labels_and_disclaimer.txt", "error_shell"),
                                             ("shells/menafn_soft404.txt", "error_shell"),
                                             ("shells/cloudflare_just_a_moment.txt", "blocked")])
def test_step_by_step_pipelines_give_the_same_reason_as_the_chain(capture, reason):
    step, rejection = run_as_separate_pipelines(read(capture))
    assert (step, rejection.reason) == ("shells", reason)
    assert clean_text(read(capture)).rejection.reason == reason


# --- the real seed and the shared MENAFN fixtures -----------------------------------------

def story_from_fixture(html: str) -> list[str]:
    """An independent oracle: the story container's paragraphs, once each, without dateline or token."""
    paras = Selector(text=html).css("div.entry-summary.tit p::text").getall()
    out: list[str] = []
    for p in paras:
        p = p.replace("(MENAFN) ", "").strip()
        if p and not p.startswith("MENAFN1") and p not in out:
            out.append(p)
    return out


@needs_shared
def test_the_real_seed_cleans_to_exactly_its_article():
    seed = (SHARED / "seeds" / "000_fdedb239be57391e.txt").read_text(encoding="utf-8")
    out = clean_text(seed)
    assert out.kept
    expected = story_from_fixture((SHARED / "fixtures" / "menafn" / "article.html").read_text(encoding="utf-8"))
    assert len(expected) == 8
    assert out.doc.paragraphs == expected
    assert out.doc.title == "NATO Chief Calls for Support of All Efforts to End Ukraine War Faster"
    assert out.doc.provider == "MENAFN"
    assert out.doc.published == "2026-02-12"
    body = out.doc.body
    for noise in ("Legal Disclaimer", "as is", "CommentsNo comment", "Sorry!!", "Error!", "403", out.doc.title):
        assert noise not in body


@needs_shared
def test_shared_menafn_fixtures_through_their_html():
    fixtures = SHARED / "fixtures" / "menafn"
    chain = build_chain(TEXT_STEPS)
    article = (fixtures / "article.html").read_text(encoding="utf-8")
    container = Selector(text=article).css("div.entry-summary.tit p::text").getall()
    out = chain.clean(Document(paragraphs=container, html=article, http_status=200, source="menafn"))
    assert out.kept and out.doc.paragraphs == story_from_fixture(article)
    assert out.doc.provider == "MENAFN"

    soft404 = chain.clean(Document(paragraphs=[], html=(fixtures / "soft404.html").read_text(encoding="utf-8"),
                                   http_status=200, source="menafn"))
    assert (soft404.step, soft404.rejection.reason) == ("shells", "error_shell")
    assert soft404.rejection.detail == "visible #HiddenErrorDiv, empty story container"

    challenge = (fixtures / "challenge-403.html").read_text(encoding="utf-8")
    text = "\n".join(Selector(text=challenge).css("body ::text").getall())
    blocked = chain.clean(Document.from_text(text, html=challenge, http_status=403, source="menafn"))
    assert (blocked.step, blocked.rejection.reason) == ("shells", "blocked")
    assert "title: Just a moment..." in blocked.rejection.detail
