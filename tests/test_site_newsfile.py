"""Newsfile (newscrawl/sites/newsfile.py): the wire added as one site module, crawled from its feed."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from newscrawl.demo_site.server import LoopbackSite, Page
from tests.in_process import crawl

FIX = Path(__file__).parent / "fixtures" / "wires" / "newsfile"
STORY = "/release/240101/Maple-Ridge-Foods-Opens-Second-Processing-Plant-in-Manitoba"


@pytest_twisted.ensureDeferred
async def test_a_release_is_crawled_from_the_feed_cleaned_of_the_wires_text(tmp_path):
    pages = {"/feed/news-releases": Page((FIX / "feed.rss").read_text(), content_type="application/rss+xml"),
             STORY: Page((FIX / "maple-ridge.html").read_text())}
    with LoopbackSite(pages) as server:
        result = await crawl([server.url("/feed/news-releases")], tmp_path, spider="newsfile")
        story_url = server.url(STORY)
    assert result.failure is None, result.log[-2000:]
    [item] = result.items
    assert item["story_id"] == "240101" and item["url"] == story_url  # ?utm_source dropped
    assert (item["title"], item["provider"], item["extraction"]) == (
        "Maple Ridge Foods Opens Second Processing Plant in Manitoba", "Maple Ridge Foods Inc.", "site")
    assert item["published"].startswith("2026-02-10")
    paragraphs = item["body"].split("\n\n")
    assert paragraphs[0].startswith("Maple Ridge Foods Inc. (CSE: MRF) opened its second processing plant")
    assert paragraphs[-1] == "Maple Ridge expects the plant to run at full capacity by the end of the summer harvest season."
    for gone in ("Newsfile Corp.", "About Maple Ridge", "Media Contact", "media@", "204-555-0173",
                 "source version", "CNW Group"):
        assert gone not in item["body"], gone
    assert result.stats.get("newsfile/story_404") == 1  # the feed's other release, no longer on the server
