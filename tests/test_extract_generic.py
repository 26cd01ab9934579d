"""Generic main-text extraction: trafilatura plus link-block, title and teaser corrections."""

from __future__ import annotations

import pytest
import trafilatura
from lxml import etree
from parsel import Selector

from benchmarks.metric import aggregate, page_scores
from newscrawl.extraction.generic import (
    drop_leading_title,
    drop_link_blocks,
    generic_paragraphs,
    link_share,
    page_headlines,
)
from tests.shared_data import benchmark_pages


def test_related_links_read_more_and_headline_are_dropped(fixtures_dir):
    html = (fixtures_dir / "pages" / "generic-related-links.html").read_text(encoding="utf-8")
    paragraphs = generic_paragraphs(html, "https://coastal.example/local/bridge", page_headlines(Selector(text=html)))
    assert [p.split(",")[0] for p in paragraphs] == [
        "The harbour bridge reopened to traffic on Saturday morning after a two-year repair programme that replaced its deck",
        "Engineers found corrosion in the main cables during a routine inspection in 2023",
        "The final bill came to 84 million",
        "Cyclists will get a separate lane on the eastern side of the deck",
        "The department said it would publish a full report on the repairs",
    ]
    assert "forcing the transport department to close the crossing" in paragraphs[1]  # inline link text kept


def test_a_page_of_menus_only_gives_nothing():
    html = ("<html><body><nav><ul>" + "".join(f'<li><a href="/{s}">{s}</a></li>' for s in ("Home", "Politics", "Business", "Sport"))
            + '</ul></nav><footer><p>Copyright 2026 Example. All rights reserved.</p><a href="/contact">Contact</a></footer></body></html>')
    assert generic_paragraphs(html) == []


@pytest.mark.parametrize("html", ["", "   ", "<html></html>"])
def test_empty_input_gives_nothing(html):
    assert generic_paragraphs(html) == []


def xml(body: str) -> etree._Element:
    return etree.fromstring(f"<body>{body}</body>")


def test_link_share_counts_link_characters():
    assert link_share(xml("<p>Read more: <ref>Another story</ref></p>")[0]) == pytest.approx(12 / 21)  # non-space characters
    assert link_share(xml("<p><ref>all <hi>linked</hi></ref></p>")[0]) == 1.0
    assert link_share(xml("<p>no links</p>")[0]) == 0.0
    assert link_share(xml("<p/>")[0]) == 0.0


def test_drop_link_blocks_keeps_story_text_and_long_linked_paragraphs():
    long_link = " ".join(["word"] * 40)
    body = xml(
        "<p>Related: <ref>A headline about something else entirely</ref></p>"
        "<p>A sentence of the story with <ref>one link</ref> inside it, which is normal in news copy.</p>"
        "<list><item><ref>First related headline</ref></item><item><ref>Second related headline</ref></item></list>"
        f"<p><ref>{long_link}</ref></p>"
        "<list><item>A real bullet point of the story</item><item><ref>a link</ref></item></list>"
    )
    drop_link_blocks(body)
    assert ["".join(el.itertext()) for el in body] == [
        "A sentence of the story with one link inside it, which is normal in news copy.",
        long_link,
        "A real bullet point of the story",
    ]


def test_drop_leading_title_ignores_case_and_punctuation():
    paragraphs = ["HARBOUR BRIDGE REOPENS!", "Harbour bridge reopens", "Story text.", "Harbour Bridge Reopens"]
    assert drop_leading_title(paragraphs, ["Harbour Bridge Reopens", None]) == ["Story text.", "Harbour Bridge Reopens"]
    assert drop_leading_title(paragraphs, []) == paragraphs


def test_page_headlines():
    sel = Selector(text='<html><head><title>Big News | Example Times</title><meta property="og:site_name" content="Example Times">'
                        '<meta property="og:title" content="Big News, Social Edition"></head>'
                        "<body><h1> Big <i>News</i> </h1></body></html>")
    assert page_headlines(sel) == ["Big News", "Big News, Social Edition", "Big News | Example Times", "Big News"]


def test_generic_extraction_beats_trafilatura_on_the_benchmark():
    ours, baseline = [], []
    for _, url, html, truth in benchmark_pages():
        ours.append(page_scores(truth, "\n".join(generic_paragraphs(html, url, page_headlines(Selector(text=html))))))
        baseline.append(page_scores(truth, trafilatura.extract(html, include_comments=False, favor_precision=True) or ""))
    assert aggregate(ours)["f1"] >= 0.965
    assert aggregate(ours)["f1"] > aggregate(baseline)["f1"]
