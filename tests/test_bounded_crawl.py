"""No page, feed or setting can stall the crawl (issue 16): real crawls on loopback.

- a story page costly to extract (generic extraction of deep nesting) runs off the reactor: the
  crawl fetches on meanwhile, and at ``NEWSCRAWL_STORY_TIME_BUDGET`` the work is stopped and the
  story dropped as ``too_costly`` (in the rejects file, and handled: never fetched again);
- a story page over ``NEWSCRAWL_STORY_MAXSIZE`` is not downloaded; a page past the element cap is
  read up to it, a story past the paragraph cap exported cut there; a listing past
  ``NEWSCRAWL_LISTING_MAX_LINKS`` is read to the cap; each counted;
- nested sitemap indexes fetch at most ``<NAME>_MAX_LISTING_PAGES`` documents per entry point;
- a start URL redirecting to another host is refused like any offsite request.
"""

from __future__ import annotations

import threading
import time

import pytest
import pytest_twisted

from newscrawl.demo_site.server import LoopbackSite, Page, redirect
from newscrawl.demo_site.templates import story_html
from tests.fixtures.hostile.pages import story
from tests.in_process import crawl
from tests.site_server import data_lines, finish, run_crawl, start_crawl


def _nested_page(kilobytes: int) -> str:
    """A story page no site layout knows, its text 250 divs deep: generic extraction (jusText) costs
    depth per element, about 2.5 s per 100 KB in one process."""
    unit = "<div>" * 250 + "<p>The ministry said the plan would go ahead after a long review.</p>" + "</div>" * 250
    return ("<!DOCTYPE html><html><head><title>Deep</title></head><body>"
            + unit * (kilobytes * 1024 // len(unit)) + "</body></html>")


def _wait_for(condition, timeout: float, proc=None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (proc is None or proc.poll() is None):
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.mark.parametrize("workers", [1, 0], ids=["worker-process", "crawl-thread"])
def test_a_story_too_costly_to_read_is_dropped_at_its_budget_while_the_crawl_fetches_on(tmp_path, workers):
    heavy, light = story(501, "deep_nesting"), story(502, "light")
    release = threading.Event()
    with LoopbackSite() as server:
        server.pages.update({
            "/listing?page=1": Page(f'<html><body><a href="{heavy.path}">deep</a>'
                                    f'<a rel="next" href="/listing?page=2">Next</a></body></html>'),
            # the next listing page answers once the heavy story was fetched: its story is fetched
            # while the heavy one is being read, or not until the reactor is free again
            "/listing?page=2": Page(f'<html><body><a href="{light.path}">light</a></body></html>', hold=release),
            heavy.path: Page(_nested_page(400)),
            light.path: Page(story_html(light)),
        })
        data = tmp_path / "data"
        # The element cap alone would make the page cheap (65,000 elements): lifted, to meet the budget.
        proc = start_crawl([server.url("/listing?page=1")], data, "NEWSCRAWL_STORY_TIME_BUDGET=3",
                           "NEWSCRAWL_STORY_MAX_ELEMENTS=1000000", f"NEWSCRAWL_CLEANING_WORKERS={workers}",
                           "LOG_LEVEL=INFO")
        try:
            assert _wait_for(lambda: server.arrived(heavy.path) > 0, 60, proc)
            release.set()
            assert _wait_for(lambda: server.arrived(light.path) > 0, 60, proc), "the light story was never fetched"
            dropped_before = [r for r in data_lines(data, "rejects") if r.get("story_id") == heavy.story_id]
        finally:
            release.set()
            code, stderr = finish(proc)
    assert dropped_before == [], "the light story was fetched only once the heavy one was over"
    assert code == 0, stderr[-3000:]
    assert [r["story_id"] for r in data_lines(data)] == [light.story_id]
    rejects = [r for r in data_lines(data, "rejects") if r["story_id"] == heavy.story_id]
    assert [(r["reason"], r["step"], r["detail"]) for r in rejects] == [
        ("too_costly", "extraction", "extraction took more than 3 s")]
    assert "dropped: extraction took more than 3 s (NEWSCRAWL_STORY_TIME_BUDGET)" in stderr

    # retried never: the next run does not fetch it again
    server_hits = server.count(heavy.path)
    with LoopbackSite(server.pages) as again:
        again.pages["/listing?page=2"] = Page(f'<html><body><a href="{light.path}">light</a></body></html>')
        result = run_crawl([again.url("/listing?page=1")], tmp_path, f"NEWSCRAWL_CLEANING_WORKERS={workers}")
    assert server_hits == 1 and again.count(heavy.path) == 0
    assert result.returncode == 0 and result.stats.get("newscrawl/stories/skipped_handled") == 2


@pytest_twisted.async_fixture(scope="module")
async def bounds_crawl(tmp_path_factory):
    big = story(511, "too_large")
    long_story = story(512, "past_the_paragraph_cap", [
        f"Paragraph {i} of the long story says the ministry reviewed plan number {i}." for i in range(6000)])
    linked = [story(520 + i, "linked") for i in range(30)]
    ordinary = story(513, "ordinary")
    offsite = story(514, "offsite")
    crowded = story(515, "past_the_element_cap")
    with LoopbackSite() as server:
        port = server.base_url.rsplit(":", 1)[1]
        anchors = "".join(f'<a href="{s.path}">s</a>' for s in [big, long_story, ordinary, crowded])
        server.pages.update({
            "/listing": Page(f"<html><body>{anchors}</body></html>"),
            "/crowded": Page("<html><body>" + "".join(f'<a href="{s.path}">s</a>' for s in linked) + "</body></html>"),
            "/moved": redirect(f"http://localhost:{port}{offsite.path}"),
            big.path: Page(story_html(big).encode("utf-8") + b" " * (5 * 1024 * 1024)),  # 5 MB: over the 4 MB default
            long_story.path: Page(story_html(long_story)),
            ordinary.path: Page(story_html(ordinary)),
            offsite.path: Page(story_html(offsite)),
            # 12,000 empty elements after the story: read up to the 10,000th (NEWSCRAWL_STORY_MAX_ELEMENTS)
            crowded.path: Page(story_html(crowded).replace("</body>", "<i></i>" * 12_000 + "</body>")),
            **{s.path: Page(story_html(s)) for s in linked},
        })
        workdir = tmp_path_factory.mktemp("bounds")
        result = await crawl([server.url("/listing"), server.url("/crowded"), server.url("/moved")], workdir,
                             NEWSCRAWL_LISTING_MAX_LINKS=12, NEWSCRAWL_TRUSTED_HOSTS="localhost",
                             NEWSCRAWL_CLEANING_WORKERS=1, NEWSCRAWL_HEALTH_MIN_PAGES=1000)
        hits = [(h.headers.get("Host", ""), h.path) for h in server.hits]
    return result, hits, dict(big=big, long_story=long_story, linked=linked, ordinary=ordinary, offsite=offsite,
                              crowded=crowded)


def test_a_story_page_over_the_size_cap_is_not_downloaded(bounds_crawl):
    result, _, s = bounds_crawl
    assert result.failure is None, result.log[-3000:]
    assert s["big"].story_id not in result.ids and s["ordinary"].story_id in result.ids
    assert result.stats.get("newscrawl/stories/too_large") == 1
    assert result.stats.get("menafn/story_failed/DownloadCancelledError") == 1


def test_a_story_past_the_paragraph_cap_is_exported_cut_there_counted_and_logged(bounds_crawl):
    result, _, s = bounds_crawl
    item = next(i for i in result.items if i["story_id"] == s["long_story"].story_id)
    paragraphs = item["body"].split("\n\n")
    assert 4900 <= len(paragraphs) <= 5000 and "plan number 4990." in item["body"]
    assert "plan number 5000." not in item["body"] and "plan number 5999." not in item["body"]
    assert result.stats.get("newscrawl/capped/paragraphs") == 1
    assert result.stats.get("newscrawl/stripped/capped_paragraphs") >= 1000
    assert f"story {item['url']} cut at the caps" in result.log


def test_a_story_page_past_the_element_cap_is_read_up_to_it_counted_and_logged(bounds_crawl):
    result, _, s = bounds_crawl
    item = next(i for i in result.items if i["story_id"] == s["crowded"].story_id)
    assert s["crowded"].paragraphs[-1] in item["body"] and item["truncated"] is False
    assert result.stats.get("newscrawl/capped/elements") == 1
    assert "cut at the caps (NEWSCRAWL_STORY_MAX_ELEMENTS)" in result.log


def test_a_listing_past_the_link_cap_is_read_to_the_cap_counted(bounds_crawl):
    result, hits, s = bounds_crawl
    fetched = {p for _, p in hits}
    assert [x.path in fetched for x in s["linked"]] == [True] * 12 + [False] * 18
    assert result.stats.get("newscrawl/listings/links_capped") == 1


def test_a_start_url_redirected_to_another_host_is_not_followed(bounds_crawl):
    result, hits, s = bounds_crawl
    assert s["offsite"].story_id not in result.ids
    assert not [h for h in hits if h[0].startswith("localhost")]
    assert result.stats.get("offsite/filtered") == 1
    assert result.stats.get("newscrawl/entry_failed/Filtered offsite request to 'localhost'") == 1


def _sitemap_index(children: list[str]) -> str:
    entries = "".join(f"<sitemap><loc>__BASE__{c}</loc></sitemap>" for c in children)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>')


@pytest_twisted.ensureDeferred
async def test_nested_sitemap_indexes_fetch_at_most_the_cap_per_entry_point(tmp_path):
    depth, cap = 7, 6  # 2**7 - 1 indexes below the root; before: 2**(cap - 1) = 32 fetched
    pages = {}
    for level in range(depth):
        for n in range(2 ** level):
            name = f"/sitemaps/{level}-{n}.xml"
            children = [f"/sitemaps/{level + 1}-{2 * n + k}.xml" for k in (0, 1)]
            pages[name] = Page(_sitemap_index(children), content_type="application/xml")
    with LoopbackSite(pages) as server:
        result = await crawl([server.url("/sitemaps/0-0.xml")], tmp_path, spider="wire", WIRE_MAX_LISTING_PAGES=cap)
        fetched = [h.path for h in server.hits if h.path.startswith("/sitemaps/")]
    assert len(fetched) == cap, fetched
    assert result.stats.get("newscrawl/listings/sitemaps") == cap
    assert result.stats.get("newscrawl/listings/pagination_capped", 0) >= 1
