"""The spider on a loopback mirror of the sample pages in ../shared/fixtures/menafn (skipped without them)."""

from __future__ import annotations

import pytest

from newscrawl.demo_site.server import HTML, RSS, LoopbackSite, Page
from tests.shared_data import SHARED, needs_shared
from tests.site_server import run_crawl

pytestmark = [needs_shared, pytest.mark.shared]

NATO = "/1109876543/NATO-Chief-Calls-for-Support-of-All-Efforts-to-End-Ukraine-War-Faster"
RUTTE = "/1109876611/Rutte-Every-Initiative-To-End-Ukraine-War-Faster-Should-Be-Encouraged"


def fixture(name: str) -> bytes:
    return (SHARED / "fixtures" / "menafn" / name).read_bytes()


def test_mirror_of_the_shared_fixtures(tmp_path):
    pages = {
        "/listing/politics?page=1": Page(fixture("listing-page-1.html"), content_type=HTML),
        "/rss/menafn_politics.xml": Page(fixture("rss.xml"), content_type=RSS),  # links keep https://menafn.com
        NATO: Page(fixture("article.html")),
        RUTTE: Page(fixture("article-syndicated-copy.html")),
    }
    with LoopbackSite(pages, not_found=Page(fixture("soft404.html"), status=404)) as server:
        result = run_crawl([server.url("/listing/politics?page=1"), server.url("/rss/menafn_politics.xml")], tmp_path)
        counts = {path: server.served(path) for path in (NATO, RUTTE)}
        counts["/listing/politics?page=2"] = server.count("/listing/politics?page=2")
    assert result.returncode == 0, result.stderr[-2000:]
    assert counts == {NATO: 1, RUTTE: 1, "/listing/politics?page=2": 1}  # page 2 is a 404: counted, not fatal
    expected = {
        "1109876543": ("NATO Chief Calls for Support of All Efforts to End Ukraine War Faster", "MENAFN"),
        "1109876611": ("Rutte: Every Initiative To End Ukraine War Faster Should Be Encouraged", "Trend News Agency"),
    }
    # The two pages are one story from two providers: the first one processed is kept, the other may be
    # dropped as a near-duplicate; neither is ever exported twice.
    ids = [item["story_id"] for item in result.items]
    assert ids and len(ids) == len(set(ids)) and set(ids) <= set(expected)
    for item in result.items:
        assert (item["title"], item["provider"]) == expected[item["story_id"]]
        assert item["published"] == "2026-02-12T09:41:00"
        assert item["extraction"] == "site"
    assert result.stats.get("newscrawl/listings/failed/HTTP 404") == 1


def test_challenge_page_is_counted_not_exported(tmp_path):
    pages = {
        "/listing": Page(f'<html><body><a href="{NATO}">story</a></body></html>'),
        NATO: Page(fixture("challenge-403.html"), status=403),
    }
    with LoopbackSite(pages) as server:
        result = run_crawl([server.url("/listing")], tmp_path)
    assert result.items == []
    assert result.stats.get("menafn/story_403_challenge") == 1
