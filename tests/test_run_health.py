"""Run health: a run that looks broken exits non-zero with one clear line, and says why in its summary.

The first case runs ``scrapy crawl`` (exit status, last line); the others crawl in process and read
the failure the command would print.
"""

from __future__ import annotations

import json

import pytest_twisted

from newscrawl.demo_site.server import LoopbackSite, Page
from newscrawl.demo_site.templates import CHALLENGE_HTML, changed_layout_html, listing_html
from tests.in_process import crawl
from tests.site_server import build_site, run_crawl, serve


def last_line(text: str) -> str:
    return [line for line in text.splitlines() if line.strip()][-1]


def summary(tmp_path) -> dict:
    [path] = (tmp_path / "data" / "runs" / "menafn").glob("*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def site_pages(render_story) -> tuple[dict[str, Page], list]:
    site = build_site(12, rss_items=0, rss_only=0, per_page=12)
    pages = {story.path: render_story(story) for story in site.stories}
    pages["/listing"] = Page(listing_html(site.stories, 1, 1))
    return pages, site.stories


def test_listings_without_story_links_fail_the_run(tmp_path):
    pages = {"/listing": Page("<html><body><h1>Politics</h1><p>New design, links in JavaScript</p></body></html>")}
    with LoopbackSite(pages) as server:
        result = run_crawl([server.url("/listing")], tmp_path)
    assert result.returncode == 1
    assert "held no story links" in last_line(result.stderr)
    assert "held no story links" in summary(tmp_path)["failure"]


@pytest_twisted.ensureDeferred
async def test_a_site_blocking_most_story_pages_fails_the_run(tmp_path):
    pages, stories = site_pages(lambda s: Page(CHALLENGE_HTML, status=403))
    with LoopbackSite(pages) as server:
        result = await crawl([server.url("/listing")], tmp_path)
    line = result.failure
    assert "blocked" in line and f"{len(stories)} of {len(stories)}" in line
    assert result.items == []


@pytest_twisted.ensureDeferred
async def test_most_bodies_from_the_generic_fallback_fail_the_run(tmp_path):
    # A redesign with no JSON-LD body: stories still arrive, from the generic path, and the run says so.
    pages, stories = site_pages(lambda s: Page(changed_layout_html(s)))
    with LoopbackSite(pages) as server:
        result = await crawl([server.url("/listing")], tmp_path)
    assert sorted(result.ids) == sorted(s.story_id for s in stories)  # nothing lost...
    assert "generic fallback" in result.failure  # ...but the run is flagged
    # and, its host not being menafn.com, says which spider reads any other news site
    assert result.failure.endswith("(127.0.0.1 is not menafn.com: unless it is a copy of it, this is another site, "
                                   "and the wire spider reads any news site: scrapy crawl wire -a start_urls=URL)")
    assert summary(tmp_path)["extraction_share"]["generic"] == 1.0


@pytest_twisted.ensureDeferred
async def test_a_healthy_run_exits_zero_with_its_summary(tmp_path):
    site = build_site(15, rss_items=0, rss_only=0)
    with serve(site) as server:
        result = await crawl([server.url(site.listing_path)], tmp_path)
    assert result.failure is None, result.log[-2000:]
    s = summary(tmp_path)
    assert s["failure"] is None
    assert s["stories_exported"] == len(site.expected)
    assert s["extraction_counts"] == {"site": len(site.expected)}
    assert s["pages_by_status"]["200"] >= len(site.expected)
    assert s["stripped_by_rule"]["dateline"] == len(site.expected)
