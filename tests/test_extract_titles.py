"""Headlines: entities decoded, the site's name removed, the best source chosen by agreement."""

from __future__ import annotations

import pytest
from parsel import Selector

from newscrawl.extraction.metadata import page_metadata
from newscrawl.extraction.sitenames import SiteNames, host_labels, site_names
from newscrawl.extraction.titles import clean_title, page_title, strip_site


@pytest.mark.parametrize(
    "raw, title",
    [
        ("Port workers back &#8216;family&#8217; deal", "Port workers back \u2018family\u2019 deal"),
        ("Okafor&#039;s late winner", "Okafor's late winner"),
        ("&amp;#8216;A family affair&amp;#8217;", "\u2018A family affair\u2019"),  # escaped twice by the CMS
        ("Lynn: &#8220;We needed to win this&nbsp;game&#8221;", "Lynn: \u201cWe needed to win this game\u201d"),
        ("<em>Breaking:</em>  fire at the docks", "Breaking: fire at the docks"),
        ("   ", None),
    ],
)
def test_clean_title_decodes_entities_everywhere(raw, title):
    assert clean_title(raw) == title


@pytest.mark.parametrize(
    "title, names, url, expected",
    [
        ("Story about things | Harbour Times", ["Harbour Times"], "", "Story about things"),
        ("Story about things - MacGadgets", [], "https://www.macgadgets.example/x", "Story about things"),  # the host
        ("Story about things - Sportsnet.ca", [], "https://www.sportsnet.ca/x", "Story about things"),
        ("Sportsnet.ca - Story about things", [], "https://www.sportsnet.ca/x", "Story about things"),
        ("River Lune - Northwiki", [], "https://en.northwiki.example/wiki/River_Lune", "River Lune"),  # "- Wikipedia"
        ("Story - Remember 80/90 - Memorabilia anni 80/90", ["Remember 80/90 - Memorabilia anni 80/90"], "", "Story"),
        ("The Guardian view on ports | Editorial | Opinion | The Guardian", ["the Guardian"], "",
         "The Guardian view on ports | Editorial | Opinion"),
        ("Q&A - The harbour master", ["Harbour Times"], "", "Q&A - The harbour master"),
        ("Harbour Times", ["Harbour Times"], "", None),  # only the site: no headline
    ],
)
def test_strip_site(title, names, url, expected):
    host, suffix = host_labels(url)
    assert strip_site(title, SiteNames(names, host, suffix)) == expected


@pytest.mark.parametrize("url, labels", [("https://www.bbc.co.uk/news", ("bbc", "couk")), ("https://news.sky.com/x", ("sky", "com")),
                                         ("http://127.0.0.1:8080/x", ("", "")), ("not a url", ("", ""))])
def test_host_labels(url, labels):
    assert host_labels(url) == labels


def ld(obj: str) -> str:
    return f'<script type="application/ld+json">{obj}</script>'


def title_of(head: str, body: str = "", url: str = "https://news.example/story", extra=()) -> tuple:
    sel = Selector(text=f"<html><head>{head}</head><body>{body}</body></html>")
    meta = page_metadata(sel)
    return page_title(sel, meta, site_names(meta.metas, meta.json_ld, meta.article_ld, url, extra))


def test_a_truncated_json_ld_headline_never_beats_the_whole_one():
    whole = "Apple's folding iPad prototype shows up in supply chain reports, with a hinge that echoes the MacBook"
    head = ld('{"@type": "NewsArticle", "headline": "Apple\'s folding iPad prototype shows up in supply chain reports, with a hinge\u2026"}')
    assert title_of(head + f'<meta property="og:title" content="{whole}">') == (whole, "og")
    cut = ld('{"@type": "NewsArticle", "headline": "Apple\'s folding iPad prototype shows up in supply chain reports, with a hin"}')
    assert title_of(cut + f"<title>{whole} - MacGadgets</title>", url="https://www.macgadgets.example/x") == (
        whole, "title")  # cut mid-word, without an ellipsis


def test_a_longer_headline_is_not_read_as_truncating_a_shorter_one():
    head = ('<meta property="og:title" content="10 things in tech you need to know today">'
            '<title>10 things in tech you need to know today, November 19</title>')
    assert title_of(head, "<h1>10 things in tech you need to know today</h1>") == ("10 things in tech you need to know today", "h1")


def test_agreement_wins_and_ties_go_to_the_visible_headline():
    head = (ld('{"@type": "NewsArticle", "headline": "Disney+ glitches blamed on heavy demand, executive says"}')
            + "<title>Disney+ glitches blamed on heavy demand, executive says - Example Times</title>"
            + "<meta property=\"og:title\" content=\"'We had some issues,' exec says on Disney+ glitches\">")
    assert title_of(head, "<h1>\u2018We had some issues,\u2019 exec says on Disney+ glitches</h1>") == (
        "\u2018We had some issues,\u2019 exec says on Disney+ glitches", "h1")


def test_the_displayed_headline_beats_one_pair_of_metadata_but_not_three_sources():
    pair = (ld('{"@type": "NewsArticle", "headline": "The Resurrection of the Greatest Sci-Fi Writer"}')
            + '<meta property="og:title" content="The Resurrection of the Greatest Sci-Fi Writer">'
            + '<meta name="twitter:title" content="The Resurrection of the Greatest Sci-Fi Writer">')  # og and twitter: one voice
    body = '<header class="site-header"><h1>Slate Book Review</h1></header><article><h1>The Disappearance of John M. Ford</h1></article>'
    assert title_of(pair, body) == ("The Disappearance of John M. Ford", "h1")
    three = pair + "<title>The Resurrection of the Greatest Sci-Fi Writer - Slate</title>"
    assert title_of(three, body, "https://slate.com/x") == ("The Resurrection of the Greatest Sci-Fi Writer", "json-ld")
    assert title_of(pair, "<article><h1>Games</h1></article>")[1] == "json-ld"  # a section name, not a headline


def test_decorated_sources_vote_for_the_plain_headline():
    head = ('<meta property="og:title" content="Opinion | The Quiet Return of the Night Train">'
            "<title>Opinion | The Quiet Return of the Night Train - The Daily Ledger</title>")
    assert title_of(head, "<h1>The Quiet Return of the Night Train</h1>") == ("The Quiet Return of the Night Train", "h1")


def test_an_unconfirmed_h1_is_a_logo_not_a_headline():
    head = "<title>Storm closes coastal road for second day - Coastline Chronicle</title>"
    body = '<h1 class="logo">Coastline Chronicle</h1><h1>Weather</h1>'
    assert title_of(head, body, "https://coastlinechronicle.example/news/storm") == ("Storm closes coastal road for second day", "title")


def test_an_unconfirmed_title_loses_a_short_section_tail():
    assert title_of("<title>Storm closes coastal road for second day | Local News</title>") == (
        "Storm closes coastal road for second day", "title")


def test_a_site_name_that_is_a_headline_is_not_a_site_name():
    headline = "The man whose duvet nearly killed him: how this medical mystery was solved"
    head = f'<meta name="application-name" content="{headline}"><meta property="og:site_name" content="MSN">'
    assert title_of(head, f"<h1>{headline}</h1>") == (headline, "h1")


def test_extra_site_names_and_pages_without_a_story_name():
    assert title_of("<title>MENAFN.COM</title>", extra=("MENAFN.COM",)) == (None, None)
    assert title_of("") == (None, None)
