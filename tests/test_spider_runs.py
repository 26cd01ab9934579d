"""Whole crawls of ``menafn``: entry points, bounds, no network, bad arguments, repeated runs.

In process (``tests.in_process``) where the crawl's behaviour is the point; as ``scrapy crawl``
subprocesses where the command's exit status and last line are.
"""

from __future__ import annotations

import socket

import pytest_twisted

from newscrawl.demo_site.server import LoopbackSite, Page
from newscrawl.demo_site.templates import Story, story_html
from tests.in_process import crawl
from tests.site_server import build_site, run_crawl, serve


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@pytest_twisted.ensureDeferred
async def test_pagination_stops_at_the_configured_page(tmp_path):
    site = build_site(50, per_page=5, rss_items=5, rss_only=0)
    with serve(site) as server:
        result = await crawl([server.url(site.listing_path)], tmp_path, MENAFN_MAX_LISTING_PAGES=3,
                             MENAFN_RELATED_DEPTH=0)
        fetched = sorted(h.path for h in server.hits if h.path.startswith("/listing/"))
    assert result.failure is None, result.log[-2000:]
    assert fetched == [f"/listing/latest?page={p}" for p in (1, 2, 3)]
    assert result.stats.get("newscrawl/listings/pagination_capped") == 1
    # Every story of those three pages, and only those (right-column links not followed: depth 0).
    assert set(result.ids) == {s.story_id for s in site.stories[:15]}


@pytest_twisted.ensureDeferred
async def test_start_urls_replace_the_entry_points(tmp_path):
    site = build_site(30, rss_items=6, rss_only=6)
    with serve(site) as server:
        result = await crawl([server.url(site.rss_path)], tmp_path, MENAFN_RELATED_DEPTH=0)
        listings = [h for h in server.hits if h.path.startswith("/listing/")]
    assert result.failure is None, result.log[-2000:]
    assert listings == []  # the default entry points (and the listing) were not used
    assert sorted(result.ids) == sorted(s.story_id for s in site.stories[:6])


@pytest_twisted.ensureDeferred
async def test_links_to_other_hosts_are_not_followed(tmp_path):
    # "localhost" is the same server but not the start URL's host: it is off-site.
    story = Story("1109900001", "Local-Story", "A Local Story", "2026-02-12T10:00:00", "MENAFN",
                  ["A paragraph of text that is long enough to be a story body for this test page."])
    other = Story("1109900002", "Other-Host-Story", "Other Host", "2026-02-12T11:00:00", "MENAFN", ["Other text."])
    with LoopbackSite({story.path: Page(story_html(story)), other.path: Page(story_html(other))}) as server:
        port = server.base_url.rsplit(":", 1)[1]
        server.pages["/listing"] = Page(
            f'<html><body><a href="{story.path}">one</a> <a href="http://localhost:{port}{other.path}">two</a></body></html>'
        )
        result = await crawl([server.url("/listing")], tmp_path)
        hosts = {h.headers.get("Host") for h in server.hits}
    assert result.failure is None, result.log[-2000:]
    assert result.ids == [story.story_id]
    assert hosts == {f"127.0.0.1:{port}"}


@pytest_twisted.ensureDeferred
async def test_a_mirror_reads_absolute_origin_links_as_its_own(tmp_path):
    # Copied feeds keep menafn.com's absolute URLs; on a loopback mirror they must lead to the mirror,
    # while links to any other host stay off-site.
    stories = [Story(f"110990000{n}", f"Story-{n}", f"Story number {n}", f"2026-02-1{n}T10:00:00", "MENAFN",
                     [f"Paragraph {n} of a story body, long enough to read like a short wire report."]) for n in (1, 2, 3)]
    items = "".join(
        f"<item><title>{s.title}</title><link>{host}{s.path}?src=RSS</link></item>"
        for s, host in zip(stories, ["https://menafn.com", "https://www.menafn.com", "https://example.org"])
    )
    pages = {s.path: Page(story_html(s)) for s in stories}
    pages["/rss.xml"] = Page(f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>',
                             content_type="text/xml")
    with LoopbackSite(pages) as server:
        result = await crawl([server.url("/rss.xml")], tmp_path)
        base = server.base_url
    assert result.failure is None, result.log[-2000:]
    assert sorted(result.ids) == ["1109900001", "1109900002"]
    assert all(item["url"].startswith(base + "/") for item in result.items)


@pytest_twisted.ensureDeferred
async def test_waiting_to_retry_does_not_stall_other_requests(tmp_path):
    # Page 1 links a story that answers 503 + Retry-After: 2, then a chain of slow listing pages, each
    # found only on the one before: the chain can only advance during the wait if the wait is a timer.
    story = Story("1109900001", "Flaky-Story", "A Flaky Story", "2026-02-12T10:00:00", "MENAFN",
                  ["A paragraph of text that is long enough to be a story body for this test page."])
    pages = {story.path: Page(story_html(story), fail_first=1, fail_headers={"Retry-After": "2"})}
    for n in range(1, 16):
        link = f'<a href="{story.path}">story</a>' if n == 1 else ""
        pages[f"/list?page={n}"] = Page(f'<html><body>{link}<a rel="next" href="/list?page={n + 1}">Next</a></body></html>',
                                        delay=0.15)
    with LoopbackSite(pages) as server:
        result = await crawl([server.url("/list?page=1")], tmp_path, CONCURRENT_REQUESTS_PER_DOMAIN=2)
        first, second = server.hits_for(story.path)
        during = [h.path for h in server.hits if first.at + 0.5 < h.at < second.at]
    assert result.failure is None, result.log[-2000:]
    assert result.ids == [story.story_id]
    assert second.at - first.at >= 1.9
    assert len(during) >= 3, during


def test_unresolvable_host_fails_promptly_with_one_line(tmp_path):
    result = run_crawl(["http://menafn.invalid/rss/rss.aspx", "http://menafn.invalid/listing/latest"], tmp_path,
                       fast=False, timeout=60)
    assert result.returncode == 1
    assert last_line(result.stderr) == (
        "newscrawl: menafn: could not reach menafn.invalid (DNS lookup failed x2): none of the 2 start URLs could be fetched "
        "(http://menafn.invalid/rss/rss.aspx, http://menafn.invalid/listing/latest)"
    )
    assert "Traceback" not in result.stderr
    assert result.stats.get("retry/count", 0) == 0  # a host that never answered is not retried
    assert result.items == []


def test_closed_port_fails_with_one_line(tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_crawl([f"http://127.0.0.1:{port}/rss/latest.xml"], tmp_path, timeout=60)
    assert result.returncode == 1
    assert last_line(result.stderr).startswith("newscrawl: menafn: could not reach 127.0.0.1 (connection refused)")
    assert "Traceback" not in result.stderr


@pytest_twisted.ensureDeferred
async def test_start_urls_that_are_not_urls_are_a_clear_error(tmp_path):
    result = await crawl(["menafn.com/rss"], tmp_path)
    assert result.failure == "menafn: no usable start URL ('menafn.com/rss')"


@pytest_twisted.ensureDeferred
async def test_entry_points_answering_errors_make_the_run_fail(tmp_path):
    with LoopbackSite({"/robots.txt": Page("User-agent: *\n", content_type="text/plain")}) as server:
        result = await crawl([server.url("/rss/gone.xml")], tmp_path)
    assert "could not reach 127.0.0.1 (HTTP 404)" in result.failure


@pytest_twisted.ensureDeferred
async def test_a_second_run_skips_stories_already_handled(tmp_path):
    site = build_site(25, rss_items=5, rss_only=0, kinds={"legacy_redirect": 1, "guid_redirect": 1})
    with serve(site) as server:
        first = await crawl([server.url(site.listing_path)], tmp_path)
        new = site.add_stories(3)
        server.pages = site.render()
        server.reset_hits()
        second = await crawl([server.url(site.listing_path)], tmp_path)
        old_refetched = [s.story_id for s in site.stories if s not in new and server.served(s.path)]
    assert first.failure is None and len(first.items) == 25
    assert second.failure is None, second.log[-2000:]
    assert sorted(second.ids) == sorted(s.story_id for s in new)
    assert old_refetched == []
    assert second.stats.get("newscrawl/stories/skipped_handled") == 25


@pytest_twisted.ensureDeferred
async def test_a_redirect_to_another_host_is_not_followed(tmp_path):
    story = Story("1109900021", "Moved-Away", "A Story That Moved Away", "2026-02-12T10:00:00", "MENAFN",
                  ["A paragraph of text that is long enough to be a story body for this test page."])
    kept = Story("1109900022", "Stays-Here", "A Story That Stays", "2026-02-12T11:00:00", "MENAFN",
                 ["Another paragraph of text that is long enough to be a story body for this page."])
    with LoopbackSite({kept.path: Page(story_html(kept))}) as server:
        port = server.base_url.rsplit(":", 1)[1]
        server.pages[story.path] = Page("", status=302, headers={"Location": f"http://localhost:{port}{story.path}"})
        server.pages["/listing"] = Page(f'<html><body><a href="{story.path}">one</a> <a href="{kept.path}">two</a></body></html>')
        result = await crawl([server.url("/listing")], tmp_path)
        hosts = {h.headers.get("Host") for h in server.hits}
    assert result.failure is None, result.log[-2000:]
    assert result.ids == [kept.story_id]
    assert hosts == {f"127.0.0.1:{port}"}  # the other host never saw a request
