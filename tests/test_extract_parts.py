"""The extractor's parts: dates, page metadata, visible text blocks."""

from __future__ import annotations

import pytest
from parsel import Selector

from newscrawl.extraction.blocks import text_blocks
from newscrawl.extraction.dates import normalize_date
from newscrawl.extraction.metadata import language_code, page_metadata, split_tags, strip_title_suffix


@pytest.mark.parametrize(
    "text, iso",
    [
        ("2026-02-12 09:41:00", "2026-02-12T09:41:00"),
        ("2026-02-12", "2026-02-12T00:00:00"),
        ("2026-02-12T09:41:00+04:00", "2026-02-12T09:41:00+04:00"),  # offset kept as stated, never applied
        ("2026-02-12T09:41:00.250Z", "2026-02-12T09:41:00Z"),
        ("Thu, 12 Feb 2026 09:41:00 GMT", "2026-02-12T09:41:00Z"),  # RSS pubDate
        ("Thu, 12 Feb 2026 23:10:05 +0300", "2026-02-12T23:10:05+03:00"),
        ("Feb 12, 2026 9:41 PM", "2026-02-12T21:41:00"),
        ("12 February 2026 at 12:05 a.m.", "2026-02-12T00:05:00"),
        ("February 3rd, 2025", "2025-02-03T00:00:00"),
        ("2/12/2026 9:41:00 AM", "2026-02-12T09:41:00"),  # ASP.NET en-US
        ("13/02/2026", "2026-02-13T00:00:00"),  # first number cannot be a month
        ("  date: 2026-02-12 09:41  ", "2026-02-12T09:41:00"),
    ],
)
def test_normalize_date(text, iso):
    assert normalize_date(text) == iso


@pytest.mark.parametrize("text", [None, "", "Monday", "2026-02-30", "2026-13-01", "13:00 PM Feb 40, 2026", "Smarch 3, 2026"])
def test_normalize_date_rejects_non_dates(text):
    assert normalize_date(text) is None


def metadata(head: str, html_attrs: str = ""):
    return page_metadata(Selector(text=f"<html {html_attrs}><head>{head}</head><body></body></html>"))


def ld(obj: str) -> str:
    return f'<script type="application/ld+json">{obj}</script>'


def test_json_ld_graph_list_and_broken_blocks():
    meta = metadata(
        ld('{"@type": "NewsArticle", "headline": "broken",, }')
        + ld('[{"@type": "Organization", "name": "Org"}, {"@context": "https://schema.org", "@graph": ['
             '{"@type": "WebPage", "name": "Page"},'
             '{"@type": ["ReportageNewsArticle"], "headline": "Real  Headline", "datePublished": "2025-05-01T10:00:00Z",'
             ' "author": [{"name": "A. One"}, "B. Two", {"name": "https://example.org/author"}],'
             ' "publisher": {"name": "Daily Example"}, "keywords": ["x", "y", "x"], "articleSection": "World",'
             ' "inLanguage": "fr-FR", "articleBody": "First.\\nSecond."}]}]')
    )
    assert meta.title == "Real Headline"
    assert meta.published == "2025-05-01T10:00:00Z"
    assert meta.author == "A. One, B. Two"
    assert meta.publisher == "Daily Example"
    assert meta.tags == ["x", "y"]
    assert meta.category == "World"
    assert meta.language == "fr"
    assert meta.body == "First.\nSecond."


def test_json_ld_with_trailing_comma_and_html_comment_is_read():
    meta = metadata(ld('<!-- {"@type": "Article", "headline": "Tolerated", } -->'))
    assert meta.title == "Tolerated"


def test_json_ld_prefers_the_article_with_a_body():
    meta = metadata(ld('{"@type": "NewsArticle", "headline": "Teaser"}') +
                    ld('{"@type": "NewsArticle", "headline": "Full", "articleBody": "Text."}'))
    assert (meta.title, meta.body) == ("Full", "Text.")


def test_open_graph_and_meta_fallbacks():
    meta = metadata(
        '<title>Story Title | The Daily Example</title>'
        '<meta property="og:title" content="OG Title"/><meta property="og:site_name" content="The Daily Example"/>'
        '<meta property="og:locale" content="pt_BR"/><meta property="article:published_time" content="2024-07-08T06:07:08-03:00"/>'
        '<meta property="article:section" content="Sport"/><meta property="article:tag" content="Football"/>'
        '<meta property="article:tag" content="Cup"/><meta name="author" content="Ana Lima"/>'
        '<link rel="canonical" href="https://example.org/story-1"/>'
    )
    assert meta.title == "OG Title"
    assert meta.published == "2024-07-08T06:07:08-03:00"
    assert meta.category == "Sport"
    assert meta.tags == ["Football", "Cup"]
    assert meta.author == "Ana Lima"
    assert meta.publisher == meta.site_name == "The Daily Example"
    assert meta.language == "pt"
    assert meta.canonical_url == "https://example.org/story-1"
    assert strip_title_suffix(meta.page_title, (meta.site_name,)) == "Story Title"


def test_time_element_and_html_lang():
    meta = page_metadata(Selector(text='<html lang="ar"><body><time datetime="2023-01-02T03:04:05+02:00">x</time></body></html>'))
    assert meta.published == "2023-01-02T03:04:05+02:00"
    assert meta.language == "ar"
    assert meta.title is None and meta.body is None and meta.tags == []


@pytest.mark.parametrize(
    "title, names, expected",
    [
        ("Story | MENAFN.COM", ("MENAFN.COM",), "Story"),
        ("Story - The Daily Example", ("The Daily Example",), "Story"),
        ("A long headline about things | Daily Example", (), "A long headline about things"),
        ("Q&A | A headline whose tail is long and is part of it", (), "Q&A | A headline whose tail is long and is part of it"),
        ("Daily Example", ("Daily Example",), None),
        ("", (), None),
    ],
)
def test_strip_title_suffix(title, names, expected):
    assert strip_title_suffix(title, names) == expected


@pytest.mark.parametrize(
    "value, tags",
    [
        ("#NATO #Ukraine", ["NATO", "Ukraine"]),
        ("#Middle East #Oil #oil", ["Middle East", "Oil"]),
        ("a, b; c | d", ["a", "b", "c", "d"]),
        (["x", "y, z"], ["x", "y", "z"]),
        (None, []),
        ("  ", []),
    ],
)
def test_split_tags(value, tags):
    assert split_tags(value) == tags


@pytest.mark.parametrize("value, code", [("en-US", "en"), ("en_GB", "en"), ("AR", "ar"), ("", None), ("x-klingon", None), (None, None)])
def test_language_code(value, code):
    assert language_code(value) == code


def blocks(html: str) -> list[str]:
    return text_blocks(Selector(text=html).css("#c")[0].root)


def test_text_blocks_follow_block_elements_and_line_breaks():
    html = ('<div id="c">Lead  text<br>second <b>bold</b>line<br/><br/><p>Para\n one</p>tail text'
            '<ul><li>item 1</li><li>item <a href="#">2</a></li></ul><span>inline</span> end</div>')
    assert blocks(html) == ["Lead text", "second boldline", "Para one", "tail text", "item 1", "item 2", "inline end"]


def test_text_blocks_skip_scripts_hidden_and_excluded_but_keep_tails():
    html = ('<div id="c"><p>kept</p><script>var x = "no";</script><style>p{}</style><p hidden>no</p>'
            '<p style="display: none">no</p><div aria-hidden="true">no</div><!-- comment -->'
            '<p class="ad">no</p>after ad<noscript>no</noscript></div>')
    sel = Selector(text=html)
    exclude = {sel.css(".ad")[0].root}
    assert text_blocks(sel.css("#c")[0].root, exclude=exclude) == ["kept", "after ad"]
