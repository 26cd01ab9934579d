"""MENAFN URL knowledge: story ids, canonical URLs, blocked paths."""

from __future__ import annotations

import pytest

from newscrawl.sites.menafn import (
    STORY_ID_RE,
    canonical_story_url,
    is_blocked_path,
    is_story_url,
    story_id_from_url,
)


@pytest.mark.parametrize(
    "url, story_id",
    [
        ("https://menafn.com/1111436051/Some-Title-Slug", "1111436051"),
        ("https://menafn.com/1111436051/Some-Title-Slug?src=RSS", "1111436051"),
        ("https://menafn.com/1094827896", "1094827896"),
        ("https://menafn.com/1094827896/", "1094827896"),
        ("http://127.0.0.1:8765/1111436051/Slug#comments", "1111436051"),
        ("https://menafn.com/qn_news_story_s.aspx?storyid=1094827896&title=x", "1094827896"),
        ("https://menafn.com/qn_news_story_s.aspx?StoryID=1094827896", "1094827896"),
        ("https://www.menafn.com/QN_News_Story_S.aspx?title=x&STORYID=1100000001", "1100000001"),
    ],
)
def test_story_id_from_story_urls(url, story_id):
    assert story_id_from_url(url) == story_id
    assert is_story_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://menafn.com/",
        "https://menafn.com/123456789/too-short",
        "https://menafn.com/12345678901/too-long",
        "https://menafn.com/1111436051/slug/extra",
        "https://menafn.com/rss/menafn_energy.xml",
        "https://menafn.com/qn_news_story_s.aspx?storyid=abc",
        "https://menafn.com/qn_news_story_s.aspx?title=no-id",
        "https://menafn.com/search.aspx?storyid=1094827896",
        "https://menafn.com/nl_sub.aspx",
        "",
        "not a url",
        "http://[::1",  # unparsable host: no crash
    ],
)
def test_non_story_urls_have_no_id(url):
    assert story_id_from_url(url) is None
    assert not is_story_url(url)


def test_story_id_regex_matches_path_only():
    assert STORY_ID_RE.match("/1111436051/Slug").group(1) == "1111436051"
    assert STORY_ID_RE.match("https://menafn.com/1111436051/Slug") is None


def test_guid_form_is_a_story_without_an_id():
    url = "http://www.menafn.com/menafn/1a2b3c4d-1234-abcd-1234-123456789abc/Some-Slug"
    assert is_story_url(url)
    assert story_id_from_url(url) is None


@pytest.mark.parametrize(
    "url, canonical",
    [
        ("https://menafn.com/1111436051/Slug?src=RSS", "https://menafn.com/1111436051/Slug"),
        ("https://menafn.com/1111436051/Slug#top", "https://menafn.com/1111436051/Slug"),
        ("https://menafn.com/1111436051/Slug/", "https://menafn.com/1111436051/Slug"),
        ("HTTPS://MENAFN.COM/1111436051/Slug", "https://menafn.com/1111436051/Slug"),
        ("  https://menafn.com/1111436051  ", "https://menafn.com/1111436051"),
        ("http://127.0.0.1:8765/1111436051/Slug?src=RSS", "http://127.0.0.1:8765/1111436051/Slug"),
    ],
)
def test_canonical_story_url(url, canonical):
    assert canonical_story_url(url) == canonical


def test_canonical_keeps_slug_case_and_encodes_non_ascii():
    assert canonical_story_url("https://menafn.com/1111436051/UAE-Éclair?src=RSS") == (
        "https://menafn.com/1111436051/UAE-%C3%89clair"
    )


def test_rss_and_plain_links_share_one_canonical_url():
    a = canonical_story_url("https://menafn.com/1111436051/Slug?src=RSS")
    b = canonical_story_url("https://menafn.com/1111436051/Slug")
    assert a == b


def test_legacy_aspx_url_is_returned_as_is():
    url = "https://menafn.com/qn_news_story_s.aspx?storyid=1094827896&title=x"
    assert canonical_story_url(url) == url


def test_unparsable_url_is_returned_stripped():
    assert canonical_story_url(" http://[::1 ") == "http://[::1"
    assert canonical_story_url("") == ""


@pytest.mark.parametrize(
    "url, blocked",
    [
        ("https://menafn.com/nl_sub.aspx", True),
        ("https://menafn.com/NL_SUB.aspx?x=1", True),
        ("http://127.0.0.1:8765/nl_sub.aspx", True),
        ("https://menafn.com/1111436051/nl_sub", False),
        ("https://menafn.com/", False),
    ],
)
def test_blocked_paths(url, blocked):
    assert is_blocked_path(url) is blocked
