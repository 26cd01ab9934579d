"""Publication and modification times: the offset as stated, the documented order, the cross-checks."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from parsel import Selector

from newscrawl.extraction.dates import normalize_date, parse_date
from newscrawl.extraction.metadata import page_metadata
from newscrawl.extraction.published import page_dates, url_date

NOW = datetime(2026, 6, 1, 12, 0, 0)


@pytest.mark.parametrize(
    "text, iso",
    [
        ("2026-02-12T09:41:00+04:00", "2026-02-12T09:41:00+04:00"),
        ("2026-02-12T09:41:00+0400", "2026-02-12T09:41:00+04:00"),  # the same offset, in ISO's extended form
        ("2026-02-12T09:41:00Z", "2026-02-12T09:41:00Z"),
        ("2026-02-12T09:41:00+00:00", "2026-02-12T09:41:00+00:00"),  # "+00:00" is not rewritten as "Z"
        ("2019-11-19T06:56-05:00", "2019-11-19T06:56:00-05:00"),
        ("2026-02-12 09:41:00", "2026-02-12T09:41:00"),  # no zone given, none invented
        ("2019-11-19 02:24:00 UTC", "2019-11-19T02:24:00Z"),
        ("Mon, 18 Nov 2019 16:07:38 -0600", "2019-11-18T16:07:38-06:00"),
        ("Wed Nov 20 2019 09:28:00 GMT+0530 (India Standard Time)", "2019-11-20T09:28:00+05:30"),
        ("November 19, 2019, 07:47 PM EST", "2019-11-19T19:47:00-05:00"),
        ("Published 10:02 AM EST Nov 19, 2025", "2025-11-19T10:02:00-05:00"),  # time first
        ("Published 7:33 p.m. ET Nov. 19, 2019", "2019-11-19T19:33:00-05:00"),  # ET in November: EST
        ("Updated 4:46 PM ET July 4, 2019", "2019-07-04T16:46:00-04:00"),  # ET in July: EDT
        ("12.02.2026, 09:41 Uhr", "2026-02-12T09:41:00"),  # dotted dates put the day first
        ("03.04.2026", "2026-04-03T00:00:00"),
        ("2026-02-12T10:00:00+25:00", "2026-02-12T10:00:00"),  # not an offset: dropped, the time kept
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),  # parsed as stated; plausibility is judged elsewhere
    ],
)
def test_the_offset_is_kept_as_stated(text, iso):
    assert normalize_date(text) == iso


def test_a_stated_date_knows_its_instant_and_whether_it_had_a_time():
    stated = parse_date("2026-02-12T09:41:00+04:00")
    assert stated.instant().isoformat() == "2026-02-12T05:41:00+00:00"
    assert parse_date("2026-02-12T09:41:00").instant() is None
    assert parse_date("2026-02-12").has_time is False and parse_date("2026-02-12 00:00").has_time is True


def page(head: str = "", body: str = "") -> tuple[Selector, object]:
    sel = Selector(text=f"<html><head>{head}</head><body>{body}</body></html>")
    return sel, page_metadata(sel)


def ld(obj: str) -> str:
    return f'<script type="application/ld+json">{obj}</script>'


def dates(head: str = "", body: str = "", url: str = "https://news.example/story", now: datetime = NOW):
    sel, meta = page(head, body)
    return page_dates(meta, url, sel.get(), now=now)


def test_json_ld_first_then_meta_then_time():
    found = dates(ld('{"@type": "NewsArticle", "datePublished": "2026-02-01T10:00:00+01:00"}')
                  + '<meta property="article:published_time" content="2026-02-02T10:00:00+01:00">',
                  '<time datetime="2026-02-03T10:00:00+01:00">3 Feb</time>')
    assert (found.published, found.published_source) == ("2026-02-01T10:00:00+01:00", "json-ld")
    found = dates('<meta property="article:published_time" content="2026-02-02T10:00:00+01:00">',
                  '<time datetime="2026-02-03T10:00:00+01:00">3 Feb</time>')
    assert (found.published, found.published_source) == ("2026-02-02T10:00:00+01:00", "meta")
    found = dates(body='<time datetime="2026-02-03T10:00:00+01:00">3 Feb</time>')
    assert (found.published, found.published_source) == ("2026-02-03T10:00:00+01:00", "time")


def test_a_utc_statement_gives_way_to_the_local_offset_of_the_same_instant():
    # The page states 19:05+02:00 to readers and 17:05Z to machines: the feed says 19:05+02:00.
    found = dates(ld('{"@type": "NewsArticle", "datePublished": "2026-03-01T17:05:00Z"}'),
                  '<time datetime="2026-03-01T19:05:00+02:00">19:05</time>')
    assert (found.published, found.published_source) == ("2026-03-01T19:05:00+02:00", "time")


def test_a_local_offset_of_another_instant_does_not_replace_the_first_candidate():
    found = dates(ld('{"@type": "NewsArticle", "datePublished": "2026-03-01T17:05:00Z"}'),
                  '<time datetime="2026-03-01T17:05:00+02:00">17:05</time>')
    assert found.published == "2026-03-01T17:05:00Z"


def test_a_time_without_zone_takes_the_zone_of_the_same_wall_clock():
    found = dates('<meta itemprop="datePublished" content="2019-11-19 02:24:00">',
                  '<time datetime="2019-11-19 02:24:00 UTC">Nov 19</time>')
    assert found.published == "2019-11-19T02:24:00Z"


def test_a_date_only_value_takes_the_time_given_for_that_day():
    found = dates(ld('{"@type": "NewsArticle", "datePublished": "2026-02-12"}'),
                  '<span class="publish-date">Published 10:02 AM EST Feb 12, 2026</span>')
    assert (found.published, found.published_source) == ("2026-02-12T10:02:00-05:00", "text")


def test_no_zone_is_invented():
    assert dates(ld('{"@type": "NewsArticle", "datePublished": "2026-02-12T09:41:00"}')).published == "2026-02-12T09:41:00"


@pytest.mark.parametrize("bad", ["2099-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1900-01-01"])
def test_dates_in_the_future_or_before_news_sites_existed_are_rejected(bad):
    found = dates(ld(f'{{"@type": "NewsArticle", "datePublished": "{bad}"}}'),
                  '<time class="published" datetime="2026-02-05T08:00:00+01:00">5 Feb</time>')
    assert found.published == "2026-02-05T08:00:00+01:00"


def test_an_old_date_the_url_confirms_is_an_archive_story_not_a_placeholder():
    found = dates(ld('{"@type": "NewsArticle", "datePublished": "1969-07-21T02:56:00Z"}'),
                  url="https://archive.example/1969/07/21/moon-landing/")
    assert found.published == "1969-07-21T02:56:00Z"


def test_a_candidate_far_from_the_urls_day_gives_way_to_one_that_agrees():
    found = dates(ld('{"@type": "NewsArticle", "datePublished": "2026-03-20T09:00:00-05:00"}'),
                  '<time datetime="2026-03-02T07:15:00-05:00">2 March</time>',
                  url="https://news.example/2026/03/02/story-slug/")
    assert (found.published, found.published_source) == ("2026-03-02T07:15:00-05:00", "time")


def test_the_url_is_the_last_resort():
    found = dates(url="https://news.example/2026/03/02/story-slug/")
    assert (found.published, found.published_source) == ("2026-03-02T00:00:00", "url")


def test_htmldate_reads_pages_without_date_markup():
    body = "<div class='meta'>Written on 14 January 2026</div>" + "<p>Some story text.</p>" * 3
    found = dates(body=body, url="https://blog.example/a-post/")
    assert (found.published[:10], found.published_source) == ("2026-01-14", "htmldate")


def test_time_elements_in_comments_do_not_date_the_story():
    body = ('<span class="entry-date published">March 3, 2026</span>'
            '<div id="comments"><time datetime="2026-03-04T08:12:00+00:00">4 March</time></div>')
    assert dates(body=body).published == "2026-03-03T00:00:00"


def test_modified_only_where_the_page_states_it():
    found = dates(ld('{"@type": "NewsArticle", "datePublished": "2026-02-12T05:41:00+00:00",'
                     ' "dateModified": "2026-02-12T07:05:00+00:00"}')
                  + '<meta property="article:modified_time" content="2026-02-12T11:05:00+04:00">')
    assert (found.modified, found.modified_source) == ("2026-02-12T11:05:00+04:00", "meta")
    assert dates(ld('{"@type": "NewsArticle", "datePublished": "2026-02-12T05:41:00+00:00"}')).modified is None


@pytest.mark.parametrize(
    "url, day",
    [
        ("https://a.example/2019/11/18/slug/", date(2019, 11, 18)),
        ("https://a.example/news/2019-11-18/slug", date(2019, 11, 18)),
        ("https://a.example/commentisfree/2019/nov/18/slug", date(2019, 11, 18)),
        ("https://a.example/tuft-cells-danger-20191115/", date(2019, 11, 15)),
        ("https://a.example/2019/11/slug", None),  # a month is not a day
        ("https://a.example/story/1234567890/", None),
        ("https://a.example/2019/13/45/slug/", None),
        ("", None),
    ],
)
def test_url_date(url, day):
    assert url_date(url) == day


def test_a_time_elements_text_states_the_local_time():
    found = dates(ld('{"@type": "NewsArticle", "datePublished": "2019-11-19T13:03:00.000Z"}'),
                  "<time>Nov. 19, 2019 8:03 am ET</time>")
    assert (found.published, found.published_source) == ("2019-11-19T08:03:00-05:00", "time")


def test_a_moment_no_other_source_confirms_gives_way_to_one_two_sources_state():
    # The CMS wrote the UTC wall clock with the local offset; meta and the visible date agree on the real moment.
    head = (ld('{"@type": "NewsArticle", "datePublished": "2019-11-20T04:31:13-06:00"}')
            + '<meta property="article:published_time" content="2019-11-20T04:31:13+00:00">')
    found = dates(head, '<span class="author_date">Chris Davies - Nov 19, 2019, 10:31 pm CST</span>')
    assert (found.published, found.published_source) == ("2019-11-19T22:31:00-06:00", "text")
    alone = dates(ld('{"@type": "NewsArticle", "datePublished": "2019-11-20T04:31:13-06:00"}')
                  + '<meta property="article:published_time" content="2019-11-20T04:31:13+00:00">')
    assert alone.published == "2019-11-20T04:31:13-06:00"  # one dissenting source is not enough
