"""Error shells and bot challenges are dropped with their reason; stories keep every sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.cleaning.document import Document, split_paragraphs
from newscrawl.sites import cleaning_rules
from newscrawl.cleaning.shells import EmptyBodyFilter, ShellFilter

CAPTURES = Path(__file__).parent / "fixtures" / "captures"
SHELLS = CAPTURES / "shells"
BODY = split_paragraphs((CAPTURES / "story_body.txt").read_text(encoding="utf-8"))

EXPECTED = {  # fixture stem -> reason
    "cloudflare_just_a_moment": "blocked",
    "cloudflare_attention_required": "blocked",
    "akamai_access_denied": "blocked",
    "nginx_404": "error_shell",
    "nginx_403": "error_shell",
    "apache_404": "error_shell",
    "apache_403": "error_shell",
    "maintenance_503": "error_shell",
    "service_unavailable_503": "error_shell",
    "site_page_not_found": "error_shell",
    "menafn_soft404": "error_shell",
    "menafn_labels_and_disclaimer": "error_shell",
    "menafn_empty_container": "error_shell",
}


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def shell_check(doc: Document):
    return ShellFilter(cleaning_rules())(doc)


def test_every_shell_fixture_has_an_expected_reason():
    stems = {p.stem for p in SHELLS.iterdir()}
    assert stems == set(EXPECTED)


@pytest.mark.parametrize("path", sorted(SHELLS.glob("*.txt")), ids=lambda p: p.name)
def test_shell_page_text_is_rejected_with_its_reason(path):
    rejection = shell_check(Document.from_text(read(path)))
    assert rejection is not None, f"{path.name} was taken for a story"
    assert rejection.reason == EXPECTED[path.stem]
    assert rejection.detail  # says what matched


@pytest.mark.parametrize("path", sorted(SHELLS.glob("*.html")), ids=lambda p: p.name)
def test_shell_page_html_alone_is_rejected_with_its_reason(path):
    rejection = shell_check(Document(paragraphs=[], html=read(path)))
    assert rejection is not None and rejection.reason == EXPECTED[path.stem]


@pytest.mark.parametrize("path", sorted(SHELLS.glob("*.html")), ids=lambda p: p.name)
def test_shell_page_html_with_its_flattened_text_is_rejected(path):
    text = path.with_suffix(".txt")
    doc = Document.from_text(read(text) if text.exists() else "", html=read(path))
    rejection = shell_check(doc)
    assert rejection is not None and rejection.reason == EXPECTED[path.stem]


def test_detail_names_the_challenge_title_and_markup():
    rejection = shell_check(Document(paragraphs=[], html=read(SHELLS / "cloudflare_just_a_moment.html")))
    assert "title: Just a moment..." in rejection.detail
    assert 'markup: id="challenge-running"' in rejection.detail


def test_menafn_structure_visible_error_block_and_empty_story_container():
    rejection = shell_check(Document(paragraphs=[], html=read(SHELLS / "menafn_soft404.html"), http_status=200))
    assert rejection.reason == "error_shell"
    assert rejection.detail == "visible #HiddenErrorDiv, empty story container"


def test_menafn_story_page_with_hidden_error_block_is_kept_and_loses_leaked_lines():
    html = read(CAPTURES / "menafn_article.html")
    text = "\n".join(["403", "Sorry!!", "Error! We're sorry, but the page you were looking for doesn't exist.", *BODY])
    doc = Document.from_text(text, html=html, http_status=200)
    assert shell_check(doc) is None
    assert doc.paragraphs == BODY
    assert doc.removed["shell_line"] == 3


def test_seed_style_capture_keeps_its_story_and_loses_the_leaked_shell_lines():
    doc = Document.from_text(read(CAPTURES / "menafn_seed_style.txt"))
    assert shell_check(doc) is None
    assert "Sorry!!" not in doc.paragraphs
    assert not any(p.startswith("Error! We") for p in doc.paragraphs)
    assert all(p in doc.paragraphs for p in BODY[1:-1])
    assert doc.lead_removed is True  # the headline step then knows the next line is the title


def test_a_story_quoting_error_messages_keeps_every_sentence():
    text = read(CAPTURES / "quotes_error_message.txt")
    doc = Document.from_text(text)
    assert shell_check(doc) is None
    assert doc.paragraphs == split_paragraphs(text)


def test_a_story_quoting_a_cloudflare_block_message_is_kept():
    quote = ("Readers abroad saw a page saying “This website is using a security service to protect itself from "
             "online attacks” when they tried to open the ministry’s tender notices, the newspaper reported.")
    doc = Document.from_text("\n".join(BODY[:3] + [quote] + BODY[3:]))
    assert shell_check(doc) is None
    assert quote in doc.paragraphs


@pytest.mark.parametrize("status, reason", [(404, "error_shell"), (410, "error_shell"), (503, "error_shell"),
                                            (403, "blocked"), (429, "blocked")])
def test_an_error_status_without_a_story_is_rejected(status, reason):
    rejection = shell_check(Document.from_text("Home\nWorld\nBusiness", http_status=status))
    assert rejection is not None
    assert rejection.reason == reason
    assert f"http {status}" in rejection.detail


def test_an_error_status_does_not_cost_a_real_story():
    doc = Document.from_text("\n".join(BODY), http_status=404)
    assert shell_check(doc) is None
    assert doc.paragraphs == BODY


def test_broken_or_odd_html_never_crashes_the_step():
    for html in ['<?xml version="1.0" encoding="utf-8"?><html><div id="HiddenErrorDiv">x</div></html>',
                 "<div id='HiddenErrorDiv'", "\x00\x01 entry-summary", ""]:
        doc = Document.from_text("\n".join(BODY), html=html)
        assert shell_check(doc) is None
        assert doc.paragraphs == BODY


def test_extra_shell_lines_from_settings_are_used():
    text = "Bot wall\nPlease come back later"
    assert shell_check(Document.from_text(text)) is None
    rejection = ShellFilter(cleaning_rules({"blocked_lines": ["Bot wall"]}))(Document.from_text(text))
    assert rejection is not None and rejection.reason == "blocked" and "Bot wall" in rejection.detail


def test_empty_body_filter_reasons():
    assert EmptyBodyFilter()(Document(paragraphs=BODY[:1])) is None
    assert EmptyBodyFilter()(Document(paragraphs=[])).reason == "empty"
    assert EmptyBodyFilter()(Document(paragraphs=["...", "Hi"])).reason == "empty"
    labels_only = Document(paragraphs=[])
    labels_only.removed["disclaimer"] += 1
    rejection = EmptyBodyFilter()(labels_only)
    assert rejection.reason == "error_shell"
    assert rejection.detail.startswith("only labels/boilerplate")


@pytest.mark.parametrize("text, reason", [
    ("HTTP Error 404. The requested resource is not found.", "error_shell"),
    ("The story you are trying to view is no longer available.", "error_shell"),
    ("Too Many Requests\nYou have sent too many requests in a given amount of time. Please try again later.", "error_shell"),
    ("Your access to this site has been limited by the site owner", "blocked"),
])
def test_short_pages_worded_like_errors_are_shells_even_without_a_known_signature(text, reason):
    rejection = shell_check(Document.from_text(text))
    assert rejection is not None and rejection.reason == reason
    assert "hint: " in rejection.detail


def test_a_story_using_error_words_is_never_a_shell():
    """Hints only count when no story is left: a short real brief that uses the words stays."""
    brief = ("The missing fishing boat was not found by nightfall, and roads to the harbour were blocked "
             "by police until the search resumed at first light, the coast guard said.")
    doc = Document.from_text(brief)
    assert shell_check(doc) is None
    assert doc.paragraphs == [brief]


def test_leaked_menafn_lines_never_cost_a_story_in_an_unspaced_script():
    """The MENAFN error block leaks into every page: beside any real text it only gets stripped."""
    story = "先日、不正に改造したiPhoneを販売したとして、商標法違反の疑いで男性が逮捕された。"
    doc = Document.from_text("\n".join(["403", "Sorry!!", "Error! We're sorry, but the page you were looking for doesn't exist.", story]))
    assert shell_check(doc) is None
    assert doc.paragraphs == [story]


# -- the lowercase fast path finds what IGNORECASE finds ----------------------------------------
_PHRASE_RULES = [r for r in (lambda c: c.shell_phrases + c.blocked_phrases + c.shell_hints + c.blocked_hints)(
    cleaning_rules().for_source("generic")) if r.folded is not None]


def _phrase_text(rule) -> str:
    """A text the phrase matches: its lowercase regex with the gaps filled in."""
    import re

    source = re.sub(r"\[\^\\w\\s\]\{0,\d+\}", "'", rule.folded.pattern)
    source = re.sub(r"\[\\s\\S\]\{0,\d+\}\?", " ", source).replace("\\s*", " ")
    return re.sub(r"\\(.)", r"\1", source)


_TWISTS = {"s": "ſ", "i": "ı", "k": "\u212a", "a": "A"}  # lookalikes for IGNORECASE; a plain capital


@st.composite
def _twisted_phrase(draw) -> str:
    """A phrase's text, some letters recased or swapped for the characters where lowercase and IGNORECASE
    part ways (long s, dotless i, Kelvin sign)."""
    text = _phrase_text(draw(st.sampled_from(_PHRASE_RULES)))
    out = []
    for ch in text:
        how = draw(st.sampled_from(["keep", "keep", "keep", "upper", "twist"]))
        out.append(ch.upper() if how == "upper" else _TWISTS.get(ch, ch) if how == "twist" else ch)
    return "".join(out)


# phrases (recased, twisted), spaces and punctuation, and other characters where lowercase and
# IGNORECASE part ways: dotted capital I, capital and final sigma, sharp s, micro sign
_PIECES = st.one_of(
    _twisted_phrase(),
    st.sampled_from([" ", "  ", "\n", "'", "\u2019", ".", "!", "ſ", "ı", "\u0130", "\u03a3", "\u03c2", "\u212a",
                     "ß", "\u00b5", "Straße", "ERROR", "not found"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=40))
def test_a_phrase_found_in_lowercased_text_is_what_ignorecase_finds(pieces):
    from newscrawl.cleaning.rules import folds_simply

    rules = cleaning_rules().for_source("generic")
    text = "".join(pieces)
    lowered = text.lower()
    simple = folds_simply(text, lowered, rules.fold_traps)
    for rule in _PHRASE_RULES:
        assert list(rule.spans(text, lowered, simple)) == [m.span() for m in rule.regex.finditer(text)], rule.folded


def test_a_phrase_that_reads_as_a_regex_once_lowercased_is_matched_as_the_phrase():
    # "RE: ..." is a phrase (patterns are regexes only when they start with a lowercase "re:")
    from newscrawl.cleaning.rules import Rules, folds_simply

    rules = Rules().merged({"shell_phrases": ["RE: Your order has shipped"]}).for_source(None)
    [rule] = [r for r in rules.shell_phrases if "order" in r.regex.pattern]
    for text in ("We confirm your order has shipped today.", "Re: your order has shipped"):
        lowered = text.lower()
        assert list(rule.spans(text, lowered, folds_simply(text, lowered, rules.fold_traps))) == [
            m.span() for m in rule.regex.finditer(text)]
