"""Bad pages (issue 6): a crawl over hostile story pages yields each good story or a counted drop.

One real ``scrapy crawl menafn`` over a loopback site whose listing links to every page of
``tests/fixtures/hostile/pages.py`` (malformed, truncated, empty, 10 MB, PDF labelled HTML,
wrong charset labels both ways, mojibake, Arabic, one 200 kB line, deep nesting, redirect loop,
redirect off the host, gzip bomb, oversized, 429/503 with Retry-After, NUL bytes, query
variants) and paginates without end. A second crawl meets a host that blocks everything.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from newscrawl.demo_site.server import LoopbackSite, Page
from newscrawl.demo_site.templates import CHALLENGE_HTML
from tests.fixtures.hostile.pages import hostile_pages
from tests.site_server import build_site, run_crawl, serve

MAX_PAGES = 5


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("hostile")
    with LoopbackSite() as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        pages, cases, links = hostile_pages(port)
        server.pages.update(pages)
        anchors = " ".join(f'<a href="{href}">story</a>' for href in links["links"])
        for n in range(1, 200):  # pagination without end (as far as the crawler can tell)
            server.pages[f"/listing?page={n}"] = Page(
                f'<html><body>{anchors if n == 1 else ""}<a rel="next" href="/listing?page={n + 1}">Next</a></body></html>')
        result = run_crawl([server.url("/listing?page=1")], workdir, f"MENAFN_MAX_LISTING_PAGES={MAX_PAGES}")
        hits = [(h.path, h.status) for h in server.hits]
    rejects = [json.loads(line) for p in sorted((workdir / "data" / "rejects").rglob("*.jsonl"))
               for line in p.read_text(encoding="utf-8").splitlines()]
    return result, cases, hits, rejects


def _case(cases, kind):
    return next(c for c in cases if c.kind == kind)


def test_the_crawl_survives_every_hostile_page(hostile_crawl):
    result, *_ = hostile_crawl
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert result.stats.get("finish_reason") == "finished"


@pytest.mark.parametrize("kind", ["malformed", "truncated", "utf8_labelled_cp1252",
                                  "cp1252_labelled_utf8", "mojibake_in_text", "arabic", "very_long_line",
                                  "nested_200_deep", "throttled_retry_after", "unavailable_retry_after",
                                  "nul_and_controls", "query_variants"])
def test_good_stories_arrive_once_with_their_text(hostile_crawl, kind):
    result, cases, _, _ = hostile_crawl
    case = _case(cases, kind)
    items = [i for i in result.items if i["story_id"] == case.story_id]
    assert len(items) == 1, f"{kind}: {len(items)} items"
    body = items[0]["body"]
    assert case.expect in body
    assert "\ufffd" not in body and "\u00e2\u20ac" not in body  # no replacement chars, no mojibake left
    assert "\x00" not in body and "Legal Disclaimer" not in body


def test_bad_pages_are_counted_drops_with_their_reason(hostile_crawl):
    result, cases, _, rejects = hostile_crawl
    dropped = {c.story_id: c.kind for c in cases if c.expect is None}
    assert not set(dropped) & set(result.ids)
    stats = result.stats
    rejected = {r["story_id"]: r["reason"] for r in rejects}
    assert rejected.get(_case(cases, "empty_200").story_id) == "empty"
    assert stats.get("newscrawl/binary_body/pdf") == 1 and stats.get("menafn/story_not_text") == 1
    assert stats.get("newscrawl/redirect_loop") == 1 and stats.get("menafn/story_failed/redirect loop") == 1
    assert stats.get("offsite/filtered") == 1  # the redirect to another host was not followed
    failed = Counter({k: v for k, v in stats.items() if k.startswith("menafn/story_failed/")})
    assert any("DOWNLOAD_MAXSIZE" in k and "decompression" in k for k in failed)  # gzip bomb refused
    # Over NEWSCRAWL_STORY_MAXSIZE (the 10 MB page) and over DOWNLOAD_MAXSIZE (17 MB): refused while downloading.
    assert stats.get("downloader/exception_type_count/scrapy.exceptions.DownloadCancelledError") == 2
    assert stats.get("newscrawl/stories/too_large") == 2
    # Every fetched story page is accounted for: exported, rejected with a reason, or counted as failed.
    nested = _case(cases, "nested_5000_deep").story_id
    assert nested in rejected or nested in result.ids


def test_a_redirect_loop_is_cut_at_its_first_repeat(hostile_crawl):
    _, cases, hits, _ = hostile_crawl
    loop = _case(cases, "redirect_loop")
    assert [s for p, s in hits if p.startswith(f"/{loop.story_id}/")] == [301, 301]


def test_query_string_variants_of_a_story_are_one_request(hostile_crawl):
    _, cases, hits, _ = hostile_crawl
    story = _case(cases, "query_variants")
    assert len([p for p, _ in hits if p.startswith(f"/{story.story_id}/")]) == 1


def test_endless_pagination_is_bounded_by_the_setting(hostile_crawl):
    result, _, hits, _ = hostile_crawl
    assert sorted(p for p, _ in hits if p.startswith("/listing")) == [f"/listing?page={n}" for n in range(1, MAX_PAGES + 1)]
    assert result.stats.get("newscrawl/listings/pagination_capped") == 1


def test_429_and_503_with_retry_after_are_retried(hostile_crawl):
    result, cases, hits, _ = hostile_crawl
    for kind, statuses in (("throttled_retry_after", [429, 200]), ("unavailable_retry_after", [503, 503, 200])):
        story = _case(cases, kind)
        assert [s for p, s in hits if p.startswith(f"/{story.story_id}/")] == statuses
    assert result.stats.get("newscrawl/retry/retry_after_honoured") == 3


def test_a_host_that_blocks_everything_stops_the_run_early_with_one_line(tmp_path):
    site = build_site(80, seed=4, rss_items=10, rss_only=0)
    with serve(site) as server:
        for story in site.stories:
            server.pages[story.path] = Page(CHALLENGE_HTML, status=403)
        result = run_crawl([server.url(site.listing_path)], tmp_path, "NEWSCRAWL_BLOCKED_STREAK=6",
                           "CONCURRENT_REQUESTS_PER_DOMAIN=2")
        story_hits = [h for h in server.hits if h.status == 403]
    assert result.returncode == 1
    last = [line for line in result.stderr.splitlines() if line.strip()][-1]
    assert last.startswith("newscrawl: menafn: 127.0.0.1 answered 6 requests in a row with 403/429")
    assert "NEWSCRAWL_BLOCKED_STREAK=6" in last
    assert result.stats.get("finish_reason") == "blocked_host"
    assert len(story_hits) <= 20 < len(site.stories)  # the streak and what was in flight, not all 80
    assert result.items == []
