"""extract_article on whole pages: MENAFN layouts, their redesigns, other sites, bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.items import EXTRACTION_GENERIC, EXTRACTION_METADATA, EXTRACTION_SITE
from newscrawl.sites import site_for, site_named
from tests.conftest import extract_by_host

STORY_URL = "https://menafn.com/1110203344/Port-Authority-Opens-Second-Container-Terminal-in-Sohar?src=RSS"
CANONICAL = "https://menafn.com/1110203344/Port-Authority-Opens-Second-Container-Terminal-in-Sohar"
CHROME = ("Sorry!!", "Error! We're sorry", "Legal Disclaimer", "as is", "No comment", "Comments", "More Stories",
          "Market Research", "Subscribe", "inbox", "Share", "Tweet", "Copyright", "_gaq", "script text", "Hidden paragraph")


def page(fixtures_dir, name: str) -> str:
    return (fixtures_dir / "pages" / name).read_text(encoding="utf-8")


def paragraphs(article) -> list[str]:
    return article.body.split("\n\n") if article.body else []


def assert_no_chrome(body: str) -> None:
    for text in CHROME:
        assert text not in body, text


# --- MENAFN, the known layout ---------------------------------------------------------------


def test_menafn_v1_fields(fixtures_dir):
    html = page(fixtures_dir, "menafn-v1.html")
    a = extract_by_host(STORY_URL, html, http_status=200)
    assert a.url == CANONICAL
    assert a.story_id == "1110203344"
    assert a.title == "Port Authority Opens Second Container Terminal in Sohar"  # h1 beats JSON-LD headline
    assert a.published == "2026-03-02T14:05:30"  # full time from the story label, not the date-only meta
    assert a.provider == "Times of Oman"
    assert a.author == "Staff Reporter"
    assert a.category == "Business"
    assert a.tags == ["Oman", "Ports", "Logistics"]
    assert a.language == "en"
    assert a.source == "menafn"
    assert a.http_status == 200
    assert a.extraction == EXTRACTION_SITE
    assert a.html == html


def test_a_known_layout_reads_authors_and_dates_from_its_selectors_and_metadata_not_page_wide(fixtures_dir, monkeypatch):
    # The byline and date searches for unknown layouts walk the whole page (a third of the time of a
    # known-site page) and read the chrome: a layout says where its fields are.
    import newscrawl.extraction.metadata as metadata

    html = page(fixtures_dir, "menafn-v1.html").replace(
        '<p id="ContentPlaceHolder1_author_section">Staff Reporter</p>',
        '<div class="card"><span class="author">By Jane Promo</span></div>')
    searched = []
    monkeypatch.setattr(metadata, "published_candidates", lambda *a: searched.append(a) or [])
    a = extract_by_host(STORY_URL, html)
    assert a.extraction == EXTRACTION_SITE and a.published == "2026-03-02T14:05:30"
    assert a.authors == [] and searched == []
    other = extract_by_host("https://news.example.org/2026/03/02/port", html)
    assert other.source == "generic" and "Jane Promo" in other.authors and len(searched) == 1


def test_menafn_v1_body_is_the_container_as_it_is(fixtures_dir):
    a = extract_by_host(STORY_URL, page(fixtures_dir, "menafn-v1.html"))
    body = paragraphs(a)
    # dateline, repeated paragraph and doubled tracking token stay: cleaning removes and counts them
    assert body[0].startswith("(MENAFN- Times of Oman) The port authority on Monday opened")
    assert body[1] == body[4]
    assert body[-2:] == ["MENAFN02032026000151011066ID1110203344"] * 2
    assert len(body) == 7
    # inline markup stays inside its paragraph, whitespace normalised
    assert "was unloaded in under six hours, a record for the port." in body[2]
    assert_no_chrome(a.body)


def test_menafn_br_separated_body(fixtures_dir):
    a = extract_by_host("https://menafn.com/1110109988/Central-Bank", page(fixtures_dir, "menafn-br-body.html"))
    assert paragraphs(a) == [
        "(MENAFN- Jordan News Agency) The central bank kept its main policy rate unchanged on Thursday, "
        "citing easing inflation and stable deposit growth.",
        "Governor remarks followed the monthly board meeting, where members reviewed credit conditions across "
        "the banking sector.",
        "Analysts had broadly expected the decision after last month's data showed consumer prices rising at "
        "their slowest pace in two years.",
        "MENAFN20112025000008011054ID1110109988",
    ]
    assert a.extraction == EXTRACTION_SITE
    assert a.author is None  # whitespace-only author section
    assert a.provider == "Jordan News Agency"  # empty h2: read from the dateline
    assert a.language == "en"  # en-GB
    assert a.title == "Central Bank Holds Rates Steady"


# --- MENAFN redesigns: the story, title and date must survive ---------------------------------


def test_menafn_redesign_with_json_ld_only(fixtures_dir):
    a = extract_by_host("https://menafn.com/1110155566/Gulf-Airline?src=RSS", page(fixtures_dir, "menafn-redesign-jsonld.html"))
    assert a.extraction == EXTRACTION_METADATA
    assert a.story_id == "1110155566"
    assert a.url == "https://menafn.com/1110155566/Gulf-Airline"
    assert a.title == "Gulf Airline Orders Twenty Wide-Body Jets"
    assert a.published == "2026-01-15T11:20:00+03:00"  # the offset as the page states it
    assert a.provider == "Gulf Aviation Wire"  # the dateline beats the JSON-LD publisher
    assert a.author == "Layla Haddad"
    assert a.category == "Business"
    assert a.tags == ["aviation", "airlines", "Gulf"]
    body = paragraphs(a)
    assert len(body) == 4
    assert body[0].startswith("(MENAFN- Gulf Aviation Wire) A Gulf carrier on Wednesday placed a firm order")
    assert body[2].startswith("Industry analysts said the order")


def test_menafn_redesign_with_open_graph_and_generic_text(fixtures_dir):
    a = extract_by_host("https://menafn.com/1110301234/Desalination", page(fixtures_dir, "menafn-redesign-og.html"))
    assert a.extraction == EXTRACTION_GENERIC
    assert a.story_id == "1110301234"
    assert a.title == "Desalination Plant Expansion Approved"
    assert a.published == "2026-04-07T16:45:00Z"
    assert a.provider == "Kuwait News Agency"
    assert a.tags == ["water", "desalination", "Kuwait"]
    assert a.language == "en"  # og:locale en_US
    body = paragraphs(a)
    assert body[0].startswith("(MENAFN- Kuwait News Agency) The cabinet on Tuesday approved")  # headline not repeated
    assert any(p.startswith("The ministry of electricity and water said") for p in body)
    assert_no_chrome(a.body)
    assert "Most Read" not in a.body and "Oil exports" not in a.body


def test_menafn_story_id_from_canonical_link_when_url_has_none(fixtures_dir):
    a = extract_by_host("http://www.menafn.com/menafn/1a2b3c4d-1234-abcd-1234-123456789abc/slug",
                        page(fixtures_dir, "menafn-v1.html"))
    assert a.story_id == "1110203344"


@pytest.mark.parametrize(
    "snippet, title",
    [
        ('<img id="ImgNews" title="From The Image"/><title>Tab | MENAFN.COM</title>', "From The Image"),
        ('<meta property="og:title" content="From Open Graph"/><title>Tab | MENAFN.COM</title>', "From Open Graph"),
        ("<title>From The Tab Title | MENAFN.COM</title>", "From The Tab Title"),
        ("<title>MENAFN.COM</title>", None),
    ],
)
def test_menafn_title_fallbacks(snippet, title):
    html = f'<html><head>{snippet}</head><body><h1 class="main-entry-title"> </h1><div class="entry-summary tit"><p>x</p></div></body></html>'
    assert extract_by_host("https://menafn.com/1110203344/x", html).title == title


@pytest.mark.parametrize(
    "body_html, provider",
    [
        ("<p>(MENAFN) Own story text.</p>", "MENAFN"),
        ("<p>(MENAFN - Arab News) Story text.</p>", "Arab News"),
        ("<p>Story text without a dateline.</p>", "JSON-LD Publisher"),
    ],
)
def test_menafn_provider_fallbacks(body_html, provider):
    html = ('<html><head><script type="application/ld+json">{"@type":"NewsArticle","publisher":{"name":"JSON-LD Publisher"}}'
            f'</script></head><body><h2 class="main-entry-title"></h2><div class="entry-summary tit">{body_html}</div></body></html>')
    assert extract_by_host("https://menafn.com/1110203344/x", html).provider == provider


# --- other sites ------------------------------------------------------------------------------


def test_unknown_site_uses_metadata_and_generic_text(fixtures_dir):
    url = "https://www.rundschau.example/lokales/waermenetz-123.html?utm_source=x"
    a = extract_by_host(url, page(fixtures_dir, "generic-de.html"))
    assert a.extraction == EXTRACTION_GENERIC
    assert a.source == "generic"
    assert a.url == url.replace("?utm_source=x", "")  # tracking parameters go; other queries may matter
    assert a.story_id is None
    assert a.language == "de"
    assert a.title == "Stadtwerke bauen neues Wärmenetz im Norden"
    assert a.published == "2026-02-03T07:30:00+01:00"
    assert a.author == "Jana Vogt"
    assert a.provider == "Rheinische Rundschau"
    assert a.category == "Lokales"
    assert a.tags == ["Energie", "Fernwärme", "Stadtwerke"]
    body = paragraphs(a)
    assert body[0].startswith("Die Stadtwerke wollen in den kommenden fünf Jahren")
    assert body[-1].startswith("Kritik kam von der Opposition")
    for chrome in ("Cookies", "Startseite", "Mehr zum Thema", "Gaspreise", "Impressum", "Alle Rechte"):
        assert chrome not in a.body


def test_site_is_chosen_by_name_or_host():
    assert site_for("https://menafn.com/1110203344/x").name == "menafn"
    assert site_for("https://www.menafn.com/1110203344/x").name == "menafn"
    assert site_for("https://notmenafn.com/1110203344/x").name == "generic"
    assert site_for("http://127.0.0.1:8765/1110203344/x").name == "generic"
    assert site_named("menafn").name == "menafn" and site_named("wire").name == "generic"
    assert site_for("http://[::1").name == "generic"


def test_loopback_mirror_with_site_name_reads_like_menafn(fixtures_dir):
    a = extract_by_host("http://127.0.0.1:8765/1110203344/Port?src=RSS", page(fixtures_dir, "menafn-v1.html"), site=site_named("menafn"))
    assert a.url == "http://127.0.0.1:8765/1110203344/Port"
    assert a.story_id == "1110203344"
    assert a.extraction == EXTRACTION_SITE


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("html", ["", "   ", "\x00\x01\x02", "<", "<html><body></body></html>", "<p>\u00a0</p><br><br>"])
def test_empty_or_trivial_input_gives_an_empty_article(html):
    a = extract_by_host(STORY_URL, html)
    assert a.body == ""
    assert a.extraction is None
    assert a.title is None
    assert a.url == CANONICAL and a.story_id == "1110203344"  # still identifiable, so the drop can be counted


def test_bytes_are_decoded_and_none_is_empty(fixtures_dir):
    raw = (fixtures_dir / "pages" / "menafn-v1.html").read_bytes()
    a = extract_by_host(STORY_URL, raw)
    assert a.title == "Port Authority Opens Second Container Terminal in Sohar"
    assert a.html == raw.decode("utf-8")
    empty = extract_by_host(STORY_URL, None)
    assert (empty.body, empty.html, empty.extraction) == ("", None, None)


def test_garbage_html_does_not_raise(fixtures_dir):
    html = page(fixtures_dir, "garbage.html")
    a = extract_by_host("https://example.org/x", html)
    assert (a.body == "") == (a.extraction is None)
    assert "\x00" not in a.body
    assert a.html == html


_TAGS = st.sampled_from(["<p>", "</p>", "<div class='entry-summary tit'>", "</div>", "<br>", "<script>", "</script>",
                         "<h1 class='main-entry-title'>", "<!--", "-->", "<![CDATA[", "&amp;", "&#0;", "<meta ",
                         '<script type="application/ld+json">{"@type":"NewsArticle","articleBody":', "\x00", ">"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_TAGS, st.text(max_size=20)), max_size=40))
def test_arbitrary_markup_never_raises(chunks):
    a = extract_by_host(STORY_URL, "".join(chunks))
    assert (a.body == "") == (a.extraction is None)
    assert all(p.strip() == p and p for p in paragraphs(a))
