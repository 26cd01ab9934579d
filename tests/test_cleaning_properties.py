"""Properties of the chain over generated captures: idempotent, noise-proof, never inventing text.

Bodies are drawn from real-looking news paragraphs (tests/fixtures/captures/corpus.txt) and,
where the property allows, from arbitrary unicode; noise is the MENAFN capture noise.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newscrawl.steps import clean_text
from newscrawl.cleaning.document import split_paragraphs
from newscrawl.cleaning.text import fix_mojibake, match_key, match_keys, normalize_space

CAPTURES = Path(__file__).parent / "fixtures" / "captures"
_LINES = [l for l in (CAPTURES / "corpus.txt").read_text(encoding="utf-8").splitlines() if l and not l.startswith("#")]
PROSE = [l for l in _LINES if len(l.split()) >= 20]
SHORT = [l for l in _LINES if len(l.split()) < 20]
TITLES = ["Central Bank Holds Rates As Inflation Cools", "Kuwait Power Demand Hits Record In Heatwave",
          "New Metro Line Opens Ahead Of Schedule", "Wheat Harvest Starts Early After Dry Spring"]
PROVIDERS = ["Times of Oman", "Kuwait News Agency (KUNA)", "GlobeNewsWire - Nasdaq", "Trend News Agency"]
DISCLAIMER = (
    "MENAFN provides the information “as is” without warranty of any kind. We do not accept any responsibility "
    "or liability for the accuracy, content, images, videos, licenses, completeness, legality, or reliability of "
    "the information contained in this article. If you have any complaints or copyright issues related to this "
    "article, kindly contact the provider above."
)
NOISE_LINES = [" date 2026-02-12 403", "403", "Sorry!!", "Error! We're sorry, but the page you were looking for doesn't exist.",
               "Legal Disclaimer:", DISCLAIMER, "CommentsNo comment", "Comments", "No comment",
               "MENAFN12022026000045017640ID1109876543", "#NATO #Ukraine"]

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def bodies(draw, min_size=1, max_size=7):
    """A story: distinct corpus paragraphs, opening with prose, maybe with short lines among them."""
    prose = draw(st.lists(st.sampled_from(PROSE), min_size=min_size, max_size=max_size, unique=True))
    lines = list(prose)
    for short in draw(st.lists(st.sampled_from(SHORT), max_size=2, unique=True)):
        lines.insert(draw(st.integers(1, len(lines))), short)
    return lines


def disclaimer_variants():
    return st.sampled_from([
        ["Legal Disclaimer:", DISCLAIMER],
        ["Legal Disclaimer: " + DISCLAIMER],
        ["Legal  Disclaimer:", DISCLAIMER.replace(" ", "  ")],
        ["Legal Disclaimer:", DISCLAIMER.encode("utf-8").decode("cp1252", errors="ignore")],
        ["Legal Disclaimer:", *DISCLAIMER.split(". ")],
        [],
    ])


any_line = st.one_of(
    st.sampled_from(PROSE), st.sampled_from(SHORT), st.sampled_from(NOISE_LINES),
    st.text(min_size=1, max_size=60),
)


@PROPERTY
@given(st.lists(any_line, min_size=1, max_size=14))
def test_cleaning_is_idempotent(lines):
    first = clean_text("\n".join(lines))
    if not first.kept:
        return
    second = clean_text(first.doc.body)
    assert second.kept, second.rejection
    assert second.doc.paragraphs == first.doc.paragraphs


@PROPERTY
@given(st.lists(any_line, min_size=1, max_size=14))
def test_the_body_never_holds_a_line_the_input_did_not_have(lines):
    out = clean_text("\n".join(lines))
    if not out.kept:
        return
    sources = []
    for line in split_paragraphs("\n".join(lines)):
        fixed = fix_mojibake(line)
        while fixed != line:
            line, fixed = fixed, fix_mojibake(fixed)
        sources.append(normalize_space(line))
    for p in out.doc.paragraphs:
        assert any(p in s for s in sources), p


@PROPERTY
@given(bodies(), st.integers(2, 3))
def test_a_body_printed_k_times_cleans_to_the_body(body, k):
    assert clean_text("\n".join(body)).doc.paragraphs == body
    assert clean_text("\n".join(body * k)).doc.paragraphs == body


@PROPERTY
@given(bodies(min_size=2), st.booleans())
def test_paragraphs_2_to_n_printed_again_clean_to_the_body(body, with_boilerplate_between):
    between = ["Legal Disclaimer:", DISCLAIMER] if with_boilerplate_between else []
    assert clean_text("\n".join(body + between + body[1:])).doc.paragraphs == body


# min_size=2: the repeated paragraphs 2..N then hold prose. A repeat made only of short lines
# (under 30 words in all) is kept by design: real articles repeat such lines (see passages.py).
@PROPERTY
@given(bodies(min_size=2), st.sampled_from(TITLES), st.sampled_from(PROVIDERS), disclaimer_variants(),
       st.booleans(), st.booleans(), st.booleans(), st.sampled_from(["", "CommentsNo comment", "Comments\nNo comment"]))
def test_capture_noise_around_a_body_leaves_the_body(body, title, provider, disclaimer, leaked, token, repeat, comments):
    lines = [" date 2026-02-12 403"]
    if leaked:
        lines += ["Sorry!!", "Error! We're sorry, but the page you were looking for doesn't exist."]
    lines += [title, f"(MENAFN- {provider}) {body[0]}", *body[1:]]
    if repeat:
        lines += body[1:]
    if token:
        lines += ["MENAFN12022026000045017640ID1109876543"]
    lines += disclaimer
    lines += comments.split("\n") if comments else []
    out = clean_text("\n".join(lines))
    assert out.kept
    assert out.doc.paragraphs == body
    assert (out.doc.title, out.doc.provider, out.doc.published) == (title, provider, "2026-02-12")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40).filter(lambda s: "\n" not in s), st.sampled_from(_LINES)), max_size=8))
def test_match_keys_of_many_lines_equal_match_key_of_each(lines):
    """The batched key (a bytes fast path for mostly-ASCII text) is the same key, line by line."""
    assert match_keys(lines) == [match_key(line) for line in lines]


def test_match_keys_of_text_mostly_in_another_script():
    """Cyrillic or Greek text is keyed in one pass: signs outside the common punctuation (the
    minus sign), underscores, fullwidth letters, ligatures and combining accents still separate
    or fold exactly as match_key has them."""
    lines = ["Цена выросла на −5% за_неделю", "ＦＵＬＬＷＩＤＴＨ ﬁnance ΣΊΣΥΦΟΣ", "Ёлка\u0301 «кавычки» — тире", ""]
    assert match_keys(lines) == [match_key(line) for line in lines]
    assert match_keys(lines)[:2] == ["цена выросла на 5 за неделю", "fullwidth finance σίσυφοσ"]
