"""Bodies: JSON-LD only when it is the whole story, split articles joined, the story's own lines kept, teasers out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from parsel import Selector

from newscrawl.extraction.generic import drop_leading_title, generic_paragraphs, trim_teasers
from newscrawl.extraction.ldbody import choose_body, metadata_paragraphs
from newscrawl.extraction.links import story_link_line
from newscrawl.extraction.restore import restore_blocks
from newscrawl.items import EXTRACTION_GENERIC, EXTRACTION_METADATA


def sentence(i: int, words: int = 24) -> str:
    return f"Sentence {i} of the story " + " ".join(f"w{i}x{k}" for k in range(words - 6)) + " ends here."


STORY = [sentence(i) for i in range(8)]


def test_glued_json_ld_paragraphs_are_kept_apart():
    glued = "He signed for the club as a superstar.From then on, the crowds came.Attendance doubled in a year."
    assert metadata_paragraphs(glued) == ["He signed for the club as a superstar.",
                                          "From then on, the crowds came.", "Attendance doubled in a year."]
    for text in ("The U.S.Army said so.", "Use Node.js here.", "It cost $4.50 each."):
        assert metadata_paragraphs(text) == [text]  # abbreviations, names and numbers stay whole


def test_json_ld_bodies_as_html_or_escaped_text():
    assert metadata_paragraphs("&lt;p&gt;One.&lt;/p&gt;&lt;p&gt;Two &amp;amp; three.&lt;/p&gt;") == ["One.", "Two & three."]
    assert metadata_paragraphs("&amp;quot;Quoted,&amp;quot; she said.\n\nNext.") == ['"Quoted," she said.', "Next."]


def test_a_teaser_never_beats_the_page_text():
    teaser = [" ".join(STORY[:2])]  # the first two paragraphs, glued: 48 words of 192
    assert choose_body(teaser, STORY) == (STORY, EXTRACTION_GENERIC)
    assert choose_body(["Short teaser\u2026"], STORY) == (STORY, EXTRACTION_GENERIC)


def test_the_whole_story_in_json_ld_is_taken_and_its_lost_paragraphs_come_from_the_page():
    assert choose_body(STORY, STORY[:1]) == (STORY, EXTRACTION_METADATA)  # a paywall shows one paragraph
    assert choose_body(STORY, []) == (STORY, EXTRACTION_METADATA)
    assert choose_body([" ".join(STORY)], STORY) == (STORY, EXTRACTION_GENERIC)  # same text, paragraphs glued
    assert choose_body(STORY, STORY) == (STORY, EXTRACTION_METADATA)
    assert choose_body([], ["<"]) == ([], None)  # punctuation is no text


def page(body: str) -> str:
    return f"<html><head><title>T</title></head><body><article>{body}</article></body></html>"


def test_an_article_split_by_ad_slots_is_joined():
    html = page("".join([
        '<div class="story-body">', *(f"<p>{s}</p>" for s in STORY[:3]), "</div>",
        '<div class="ad-slot"><p>Advertisement</p></div>',
        '<div class="story-body">', *(f"<p>{s}</p>" for s in STORY[3:6]), "</div>",
        '<div class="author-box"><p>About the author</p></div>',
    ]))
    root = Selector(text=html).root
    assert restore_blocks(STORY[:3], root) == STORY[:6]


def test_subheadings_and_the_storys_own_link_lines_are_put_back_but_not_related_links():
    html = page("".join([
        f"<p>{STORY[0]}</p>", '<h2 id="cost"><a href="#cost">How much will it cost?</a></h2>', f"<p>{STORY[1]}</p>",
        '<h4><a href="/news/other-story">An unrelated story</a></h4>', f"<p>{STORY[2]}</p>",
        '<p><a href="/docs/report.pdf">Read the full report</a></p>', f"<p>{STORY[3]}</p>",
        '<p><a href="mailto:press@example.org">press@example.org</a></p>',
    ]))
    root = Selector(text=html).root
    assert restore_blocks(STORY[:4], root) == [STORY[0], "How much will it cost?", STORY[1], STORY[2],
                                               "Read the full report", STORY[3], "press@example.org"]


@pytest.mark.parametrize(
    "xml, kept",
    [
        ('<p><ref target="mailto:a@b.org">a@b.org</ref></p>', True),
        ('<p><ref target="#section">Section</ref></p>', True),
        ('<p><ref target="/files/report.pdf">the full report</ref></p>', True),
        ('<p><ref target="/news/other">Another story</ref></p>', False),
        ('<p>Read more: <ref target="/files/report.pdf">report</ref></p>', False),
    ],
)
def test_story_link_lines(xml, kept):
    body = etree.fromstring(f"<body><p>{STORY[0]}</p>{xml}<p>{STORY[1]}</p></body>")
    assert story_link_line(body[1]) is kept


def test_a_run_of_links_is_navigation_even_to_documents():
    body = etree.fromstring('<body><p><ref target="/a.pdf">A</ref></p><p><ref target="/b.pdf">B</ref></p></body>')
    assert not story_link_line(body[0]) and not story_link_line(body[1])


def test_trailing_teaser_lists_and_leading_menus_go():
    teasers = ["More stories", "Bridge closure extended into spring", "New bus timetable starts on Monday"]
    assert trim_teasers(STORY[:3] + teasers) == STORY[:3]
    menu = ["News", "Local", "Transport"]
    assert trim_teasers(menu + STORY[:3]) == STORY[:3]
    # a "Most read" label in the middle of the story, followed by story sentences, is not a teaser list
    middle = STORY[:2] + ["Most read in world news", "Authorities set up a quarantine.", "Tourists were stranded."]
    assert trim_teasers(middle) == middle


def _teaser_cut_as_specified(paragraphs: list[str]) -> int | None:
    """Where a trailing teaser list starts, read straight from its definition (quadratic): the last
    navigation label of six words or fewer followed only by lines of at most TEASER_WORDS words, at
    most a third of them ending like a sentence."""
    from newscrawl.cleaning.text import word_tokens
    from newscrawl.extraction.generic import _SENTENCE_END_RE, TEASER_WORDS
    from newscrawl.extraction.links import NAVIGATION_LABEL_RE

    for i in range(len(paragraphs) - 1, 0, -1):
        after = paragraphs[i + 1:]
        if (NAVIGATION_LABEL_RE.match(paragraphs[i]) and len(word_tokens(paragraphs[i])) <= 6 and after
                and all(len(word_tokens(line)) <= TEASER_WORDS for line in after)
                and sum(bool(_SENTENCE_END_RE.search(line)) for line in after) * 3 <= len(after)):
            return i
    return None


_LINES = st.sampled_from(["More stories", "Read more", "Related", "Bridge closure extended into spring",
                          "Tourists were stranded.", "The council said the works would go ahead after a review "
                          "of the costs, which had risen by a third since the plan was first put forward in May "
                          "of last year by the city's transport office.", STORY[0], STORY[1]])


@given(st.lists(_LINES, max_size=14))
def test_the_teaser_list_is_cut_where_its_definition_says_in_one_pass(paragraphs):
    from newscrawl.extraction.generic import MENU_RUN, _is_menu_item

    cut = _teaser_cut_as_specified(paragraphs)
    kept = paragraphs[:cut] if cut is not None else paragraphs
    trimmed = trim_teasers(paragraphs)
    head = len(kept) - len(trimmed)  # a leading menu, also dropped
    assert head >= 0 and kept[head:] == trimmed
    assert head == 0 or (head >= MENU_RUN and all(map(_is_menu_item, kept[:head])))


def test_a_page_of_many_labels_is_trimmed_reading_each_line_once(monkeypatch):
    # Labels alternating with short lines (an adversarial 1 MB page): the check of each label used to read
    # every line after it, 25 million reads for 5,000 lines (45 s). Counted, not timed.
    import newscrawl.extraction.generic as generic

    reads = []
    monkeypatch.setattr(generic, "word_tokens", lambda text: reads.append(text) or text.split())
    lines = ["Photo", "Buy now at the store today.", "Read more about it on the company's website.",
             "Advertisement"] * 2_000
    assert trim_teasers(lines) == lines  # half of the lines after each label are sentences: no teaser list
    assert len(reads) <= 2 * len(lines)


def test_the_headline_with_its_kicker_byline_and_date_lines_is_dropped():
    paragraphs = ["Verkehr", "Neue Radwege", "Von Jana Vogt und Max Weber", "12.02.2026, 09:41 Uhr", *STORY[:2]]
    assert drop_leading_title(paragraphs, ["Neue Radwege"]) == STORY[:2]
    assert drop_leading_title(["By Monday, all schools will reopen.", STORY[0]], []) == [
        "By Monday, all schools will reopen.", STORY[0]]  # a sentence, not a byline


def test_generic_paragraphs_end_to_end_on_a_split_page(fixtures_dir):
    html = (fixtures_dir / "extraction" / "split-article.html").read_text(encoding="utf-8")
    paragraphs = generic_paragraphs(html, "https://www.valleycourier.example/local/tram", ["Council approves new tram line"])
    assert paragraphs[0].startswith("The city council voted on Tuesday")
    assert "What happens next" in paragraphs and "Read the full report here" in paragraphs
    assert paragraphs[-1].startswith("Questions about the route can be sent")
    assert not {"More stories", "Advertisement", "News", "Privacy"} & set(paragraphs)
