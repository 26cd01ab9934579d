"""Authors: people from JSON-LD, meta, markup and the visible byline; roles, agencies and organisations out."""

from __future__ import annotations

import pytest
from parsel import Selector

from newscrawl.extraction.authors import byline_names, page_authors
from newscrawl.extraction.metadata import page_metadata
from newscrawl.extraction.sitenames import SiteNames, site_names

NO_SITE = SiteNames()


@pytest.mark.parametrize(
    "byline, names",
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("By Jane Doe and John Roe, Staff Writers", ["Jane Doe", "John Roe"]),
        ("By TOM KRISHER, AP Auto Writer", ["Tom Krisher"]),
        ("By MEG KINNARD and ERRIN HAINES, Associated Press", ["Meg Kinnard", "Errin Haines"]),
        ("Analysis by Chris Cillizza, CNN Editor-at-large", ["Chris Cillizza"]),
        ("Jill Disis, CNN Business", ["Jill Disis"]),
        ("Victor Tangermann, Futurism", ["Victor Tangermann"]),  # a lone word beside a name is a credit
        ("Ilana Muhlstein, MS, RDN", ["Ilana Muhlstein"]),
        ("Sarah E. Needleman", ["Sarah E. Needleman"]),  # an initial is not "e" (Portuguese "and")
        ("Lia Eustachewich; Yaron Steinbuch", ["Lia Eustachewich", "Yaron Steinbuch"]),
        ("Amy Kuperinsky | NJ Advance Media for NJ.com", ["Amy Kuperinsky"]),
        ("by Jeff Foust Monday, November 18, 2019", ["Jeff Foust"]),
        ("Carrie Arnold November 15, 2019", ["Carrie Arnold"]),
        ("By HNN Staff | November 18, 2019 at 2:26 PM HST - Updated November 18 at 4:46 PM", []),
        ("Von Jana Vogt und Max Weber", ["Jana Vogt", "Max Weber"]),
        ("Por Juan Pérez y María López", ["Juan Pérez", "María López"]),
        ("Текст: Венера Ерофеева", ["Венера Ерофеева"]),
        ("Von Miller", ["Von Miller"]),  # "von" before a single name is part of it
        ("By Priya Raman | Photos by Ana Costa", ["Priya Raman"]),
        ("Photos by Ana Costa", []),
        ("Regan", ["Regan"]),  # one name alone is a name
        ("Reuters", []),
        ("Reuters, Washington", []),
        ("The Associated Press", []),
        ("Staff Reports", []),
        ("Practical Horseman Editorial Staff", []),
        ("The Water Coolest", []),
        ("Share This Article", []),
        ("Follow Victor Davis Hanson", []),
        ("@saraheneedleman", []),
        ("https://www.facebook.com/someone", []),
        ("KWCH", []),
        ("", []),
    ],
)
def test_byline_names(byline, names):
    assert byline_names(byline, NO_SITE) == names


def test_the_sites_own_name_is_not_an_author():
    site = SiteNames(["Sputnik International"], "sputniknews", "com")
    assert byline_names("Finian Cunningham. Sputnik International", site) == ["Finian Cunningham"]
    assert byline_names("Sky", SiteNames([], "sky", "com")) == []
    assert byline_names("Al-Bawaba", SiteNames(["Al Bawaba"], "albawaba", "com")) == []


def ld(obj: str) -> str:
    return f'<script type="application/ld+json">{obj}</script>'


def authors_of(head: str = "", body: str = "", url: str = "https://news.example/story"):
    sel = Selector(text=f"<html><head>{head}</head><body>{body}</body></html>")
    meta = page_metadata(sel)
    return page_authors(sel, meta, site_names(meta.metas, meta.json_ld, meta.article_ld, url))


def test_json_ld_author_references_are_resolved_and_organisations_skipped():
    graph = ld('{"@graph": [{"@type": "NewsArticle", "author": {"@id": "#p1"}}, {"@type": "Person", "@id": "#p1", "name": "Yoav Schumacher"}]}')
    assert authors_of(graph) == (["Yoav Schumacher"], "json-ld")
    org = ld('{"@type": "NewsArticle", "author": {"@type": "Organization", "name": "CBS News"}}')
    assert authors_of(org + '<meta name="author" content="Jonathan Garber">') == (["Jonathan Garber"], "meta")


def test_meta_tags_in_order():
    assert authors_of('<meta property="article:author" content="https://www.facebook.com/someone">'
                      '<meta name="byl" content="By Hannah Brooks and Owen Park">') == (["Hannah Brooks", "Owen Park"], "meta")
    assert authors_of('<meta name="dc.creator" content="Jonathan Garber">') == (["Jonathan Garber"], "meta")


def test_a_fuller_visible_byline_wins():
    head = ld('{"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Stefan Becket"}]}')
    body = '<p class="content__meta-byline">By Stefan Becket, Kathryn Watson, Grace Segers</p>'
    assert authors_of(head, body) == (["Stefan Becket", "Kathryn Watson", "Grace Segers"], "byline")
    other = '<p class="byline">By Someone Else</p>'
    assert authors_of(head, other) == (["Stefan Becket"], "json-ld")  # a different byline does not override


def test_rel_author_and_microdata():
    assert authors_of(body='<span>By <a rel="author" href="/author/ellen/">Ellen Marsh</a></span>') == (["Ellen Marsh"], "markup")
    body = '<p itemprop="author" itemscope><span itemprop="name">Hannah Brooks</span></p>'
    assert authors_of(body=body) == (["Hannah Brooks"], "markup")


def test_comment_authors_and_related_story_bylines_are_not_the_authors():
    body = ('<div class="entry-byline">By HNN Staff | November 18, 2019</div>'
            '<div class="related"><div class="byline">By Lisa Kubota</div></div>'
            '<ol class="comment-list"><li><cite class="comment-author" itemprop="author">Karol Nowak</cite></li></ol>')
    assert authors_of(body=body) == ([], None)


def test_the_bylines_own_parts_can_name_more_people():
    body = ('<div class="byline-section"><span class="author">Lisa Kaczmarek and Trevor J. Mills</span> Prairie Argus Leader'
            '</div>')
    assert authors_of(body=body) == (["Lisa Kaczmarek", "Trevor J. Mills"], "byline")


def test_a_by_line_without_byline_markup():
    assert authors_of(body="<article><h1>Headline</h1><p>By Matthew Digby, Minh Do</p><p>Text.</p></article>") == (
        ["Matthew Digby", "Minh Do"], "byline")
    assert authors_of(body="<p>By Monday, all schools will reopen.</p>") == ([], None)


def test_names_in_lowercase_metadata_are_capitalised():
    assert authors_of('<meta name="author" content="jane doe">') == (["Jane Doe"], "meta")
    assert authors_of('<meta name="author" content="admin">') == ([], None)


def test_a_link_to_an_author_page_is_the_last_resort():
    body = ('<nav><ul class="menu"><li><a href="/opinion/columnists/josh-brodesky">Josh Brodesky</a></li></ul></nav>'
            '<article><div class="meta"><a href="/author/ellen-marsh/">Ellen Marsh</a></div>'
            '<p>As <a href="/author/tom-rogan/">Tom Rogan</a> wrote last week, the plan is late.</p></article>')
    assert authors_of(body=body) == (["Ellen Marsh"], "link")
    assert authors_of(body=body.replace("Ellen Marsh", "Subscribe")) == ([], None)


def test_an_older_yoast_graph_puts_the_author_on_the_web_page():
    graph = ld('{"@graph": [{"@type": "WebPage", "author": {"@id": "#p"}}, {"@type": ["Person"], "@id": "#p", "name": "Josh"}]}')
    assert authors_of(graph) == (["Josh"], "json-ld")
