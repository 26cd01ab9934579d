"""Fuzzing (issue 6): arbitrary HTML and text through the extractor and through ``newscrawl clean``.

No exception escapes, a second cleaning changes nothing, and the cleaned body never holds a
line the input did not have (after the chain's own normalisation of space and mojibake).
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newscrawl.clean_files import run_clean
from newscrawl.cleaning.text import fix_mojibake, normalize_space
from tests.conftest import extract_by_host

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TAGS = ["p", "div", "span", "h1", "article", "script", "style", "table", "td", "br", "a", "time", "meta", "!--"]


@st.composite
def html_soup(draw):
    """Tag soup: random tags (some unclosed), attributes and arbitrary Unicode text."""
    parts = []
    for _ in range(draw(st.integers(0, 25))):
        tag = draw(st.sampled_from(TAGS))
        text = draw(st.text(max_size=60))
        attr = draw(st.sampled_from(["", ' class="entry-summary tit "', ' id="ContentPlaceHolder1_div_story"',
                                     ' type="application/ld+json"', ' property="og:title" content="x"']))
        closing = draw(st.booleans())
        parts.append(f"<{tag}{attr}>{text}" + (f"</{tag}>" if closing else ""))
    return draw(st.sampled_from(["", "<!DOCTYPE html><html><body>", "<html>"])) + "".join(parts)


@FUZZ
@given(html=html_soup(), url=st.sampled_from(["https://menafn.com/1100000001/x", "http://example.org/a", ""]))
def test_extractor_never_raises_on_tag_soup(html, url):
    article = extract_by_host(url, html)
    assert isinstance(article.body, str)


@FUZZ
@given(raw=st.binary(max_size=400))
def test_extractor_never_raises_on_arbitrary_bytes(raw):
    assert isinstance(extract_by_host("https://menafn.com/1100000001/x", raw).body, str)


def _norm_lines(text: str) -> set[str]:
    return {normalize_space(fix_mojibake(line)) for line in text.splitlines() if line.strip()}


@FUZZ
@given(records=st.lists(st.one_of(
    st.fixed_dictionaries({"id": st.text(max_size=8), "text": st.text(min_size=1, max_size=300)}),
    st.fixed_dictionaries({"id": st.integers(), "html": html_soup()}),
    st.fixed_dictionaries({"body": st.text(min_size=1, max_size=300), "title": st.one_of(st.none(), st.text(max_size=20))}),
), max_size=6))
def test_newscrawl_clean_never_raises_and_never_invents_lines(tmp_path_factory, records):
    tmp = tmp_path_factory.mktemp("fuzz")
    src = tmp / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    messages = []

    class Sink:
        def write(self, text):
            messages.append(text)

    report = run_clean([str(src)], tmp / "out.jsonl", tmp / "rej.jsonl", stderr=Sink(), jobs=0)
    assert report.read + report.skipped == len(records)  # empty text fields are reported, not read
    assert report.rejected.get("error", 0) == 0, messages
    out = [json.loads(line) for line in (tmp / "out.jsonl").read_text(encoding="utf-8").split("\n") if line] \
        if (tmp / "out.jsonl").exists() else []
    for rec in out:
        if "text" in rec or "body" in rec and "html" not in rec:
            source = rec.get("text") or ""
            original = [r for r in records if r.get("text") == source or r.get("body") == source]
            if original:
                allowed = _norm_lines((original[0].get("text") or original[0].get("body") or ""))
                assert {normalize_space(line) for line in rec["body"].splitlines() if line.strip()} <= allowed
        # Idempotent: cleaning the output again keeps the body as it is.
        again_src = tmp / "again.jsonl"
        again_src.write_text(json.dumps({"id": "again", "text": rec["body"]}) + "\n", encoding="utf-8")
        (tmp / "again_out.jsonl").unlink(missing_ok=True)
        run_clean([str(again_src)], tmp / "again_out.jsonl", tmp / "again_rej.jsonl", stderr=Sink(), jobs=0)
        [again] = [json.loads(line) for line in (tmp / "again_out.jsonl").read_text(encoding="utf-8").split("\n") if line]
        assert again["body"] == rec["body"]
