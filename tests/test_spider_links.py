"""Link discovery on listings and feeds: which URLs the spider will follow from a page."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from newscrawl.middlewares import backoff_delay, parse_retry_after
from newscrawl.sites import site_named
from newscrawl.spiders.discovery import feed_links, is_feed, next_page, story_links
from newscrawl.spiders.news import allowed_domains_for, parse_start_urls
from tests.conftest import FIXTURES

SITE = FIXTURES / "site"


def page(name: str, url: str, cls=HtmlResponse, content_type: str = "text/html; charset=utf-8"):
    return cls(url=url, body=(SITE / name).read_bytes(), headers={"Content-Type": content_type}, encoding="utf-8")


def test_atom_feed_gives_alternate_links_not_enclosures_or_tag_ids():
    response = page("atom.xml", "https://menafn.com/rss/energy.atom", XmlResponse, "application/atom+xml")
    assert is_feed(response)
    assert feed_links(response) == [
        "https://menafn.com/1109900011/Azerbaijan-Expands-Solar-Capacity-With-New-Plant?src=RSS",
        "https://menafn.com/1109900007/Oman-Opens-Tender-For-Desalination-Plant",  # relative href resolved
    ]


def test_rss1_rdf_feed_is_read_like_rss2():
    response = page("rss1.rdf", "https://menafn.com/rss/uae.rdf", XmlResponse, "application/xml")
    assert is_feed(response)
    assert feed_links(response) == [
        "https://menafn.com/1109900010/Kuwait-Port-Volumes-Rise-On-Transshipment-Demand?src=RSS",
        "https://menafn.com/qn_news_story_s.aspx?storyid=1109900009&title=Gulf-Logistics-Firm",
    ]


def test_rss_labelled_text_html_is_recognised_by_its_root_and_deduplicated():
    response = page("rss-labelled-html.xml", "https://menafn.com/Rss/RssFeeds.aspx?section=UAE")
    assert is_feed(response)
    # The repeated item appears once; the non-permalink guid ("1109900012") is not a link.
    assert feed_links(response) == ["https://menafn.com/1109900012/Central-Bank-Holds-Rates-Steady-As-Inflation-Eases?src=RSS"]


def test_html_listing_is_not_a_feed():
    assert not is_feed(page("listing-next-text.html", "https://menafn.com/listing/business?page=3"))


def test_listing_story_links_cover_new_legacy_and_guid_forms_only():
    response = page("listing-next-text.html", "https://menafn.com/listing/business?page=3")
    links = story_links(response, site_named("menafn"))
    assert "https://menafn.com/1109876543/NATO-Chief-Calls-for-Support-of-All-Efforts-to-End-Ukraine-War-Faster" in links
    assert any(u.startswith("https://menafn.com/1109876611/Rutte-Every-Initiative") for u in links)
    assert "https://menafn.com/qn_news_story_s.aspx?storyid=1094827896&title=Old-Story" in links
    assert "https://menafn.com/menafn/0b3a5c1e-2f4d-4e6a-8b7c-9d0e1f2a3b4c/Guid-Story" in links
    assert len(links) == 4  # not /12345/..., /pr, /nl_sub.aspx, nav or footer links


def test_next_page_by_link_text_when_there_is_no_rel_next():
    response = page("listing-next-text.html", "https://menafn.com/listing/business?page=3")
    assert next_page(response) == "https://menafn.com/listing/business?page=4"


def test_next_page_from_link_rel_next_in_head():
    response = page("listing-link-rel-next.html", "https://menafn.com/listing/energy?page=2")
    assert next_page(response) == "https://menafn.com/listing/energy?page=3"


def test_last_page_has_no_next_page():
    # A disabled "Next" span and a link that merely contains the word "next" are not pagination.
    assert next_page(page("listing-last-page.html", "https://menafn.com/listing/energy?page=9")) is None


def test_a_plain_text_page_is_neither_feed_nor_listing():
    response = TextResponse(url="https://menafn.com/robots.txt", body=b"User-agent: *\nDisallow: /nl_sub.aspx\n",
                            headers={"Content-Type": "text/plain"}, encoding="utf-8")
    assert not is_feed(response)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://menafn.com/rss/rss.aspx, https://menafn.com/", (["https://menafn.com/rss/rss.aspx", "https://menafn.com/"], [])),
        ("http://127.0.0.1:8080/listing,,", (["http://127.0.0.1:8080/listing"], [])),
        ("menafn.com/rss,ftp://menafn.com/x", ([], ["menafn.com/rss", "ftp://menafn.com/x"])),
        (["https://menafn.com/a", " "], (["https://menafn.com/a"], [])),
    ],
)
def test_start_urls_argument_is_split_and_checked(value, expected):
    assert parse_start_urls(value) == expected


def test_allowed_domains_follow_start_hosts_without_www_or_port():
    urls = ["https://www.menafn.com/rss/rss.aspx", "https://menafn.com/", "http://127.0.0.1:8080/listing"]
    assert allowed_domains_for(urls) == ["menafn.com", "127.0.0.1"]


@pytest.mark.parametrize(
    "value, expected",
    [("1", 1.0), (b"120", 120.0), (" 0 ", 0.0), ("-5", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_retry_after_http_date_is_relative_to_now():
    now = 1_770_000_000.0  # 2026-02-02T02:40:00Z
    assert parse_retry_after("Mon, 02 Feb 2026 02:40:30 GMT", now=now) == 30.0
    assert parse_retry_after("Mon, 02 Feb 2026 02:39:00 GMT", now=now) == 0.0  # already past


def test_backoff_doubles_per_attempt_and_is_capped():
    assert [backoff_delay(n, 0.5, 3.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_retry_after_replaces_the_exponential_delay_but_not_the_cap():
    assert backoff_delay(3, 1.0, 60.0, retry_after=1.0) == 1.0
    assert backoff_delay(1, 1.0, 60.0, retry_after=3600.0) == 60.0


def test_next_page_from_a_next_class_with_only_an_arrow():
    response = HtmlResponse(
        url="https://menafn.com/listing/gcc?page=5", encoding="utf-8",
        body=b'<html><body><ul class="pagination"><li class="prev"><a href="?page=4">&lsaquo;</a></li>'
             b'<li class="next"><a href="?page=6">&rsaquo;</a></li></ul></body></html>',
    )
    assert next_page(response) == "https://menafn.com/listing/gcc?page=6"
