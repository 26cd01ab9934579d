"""The Python API (issue 20): ``newscrawl.extract``, ``newscrawl.clean``, ``newscrawl.project_settings``.

What a trafilatura or news-please user would call, against the same fixtures the crawl is tested on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import newscrawl
from tests.site_server import REPO, build_site, serve

FIX = Path(__file__).parent / "fixtures"
RELEASE = FIX / "wires" / "newsfile" / "maple-ridge.html"
RELEASE_URL = "https://www.newsfilecorp.com/release/240101/Maple-Ridge-Foods-Opens-Second-Processing-Plant-in-Manitoba"


def test_extract_a_wire_release_with_its_url_gives_the_story_alone():
    article = newscrawl.extract(RELEASE.read_text(encoding="utf-8"), RELEASE_URL + "?utm_source=rss")
    assert (article.story_id, article.url, article.extraction, article.source) == (
        "240101", RELEASE_URL, "site", "newsfile")
    assert article.title == "Maple Ridge Foods Opens Second Processing Plant in Manitoba"
    assert article.provider == "Maple Ridge Foods Inc."
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith("Maple Ridge Foods Inc. (CSE: MRF) opened its second processing plant")
    assert paragraphs[-1] == "Maple Ridge expects the plant to run at full capacity by the end of the summer harvest season."
    for gone in ("Newsfile Corp.", "About Maple Ridge", "Media Contact", "media@", "204-555-0173"):
        assert gone not in article.body, gone


def test_extract_without_a_url_still_finds_the_story_and_clean_false_keeps_the_page_text():
    html = RELEASE.read_bytes()  # bytes as fetched: decoded as UTF-8
    article = newscrawl.extract(html)
    assert article.title == "Maple Ridge Foods Opens Second Processing Plant in Manitoba"
    assert article.body.startswith("Maple Ridge Foods Inc. (CSE: MRF) opened its second processing plant")
    raw = newscrawl.extract(html, RELEASE_URL, clean=False)
    assert raw.body.startswith("Winnipeg, Manitoba--(Newsfile Corp. - February 10, 2026) - Maple Ridge Foods")
    assert newscrawl.extract(html, RELEASE_URL).body.startswith("Maple Ridge Foods")  # the dateline is cleaned off


def test_extract_an_error_page_gives_an_empty_body():
    for name in ("akamai_access_denied.html", "cloudflare_just_a_moment.html", "apache_404.html"):
        html = (FIX / "captures" / "shells" / name).read_text(encoding="utf-8")
        assert newscrawl.extract(html, "https://menafn.com/1100000001/A-Story").body == "", name


def test_project_settings_run_a_crawl_from_any_directory_with_crawlerprocess(tmp_path):
    """A CrawlerProcess user's script, run outside the checkout: the project's spiders, add-on and feed."""
    site = build_site(20, seed=2)
    script = textwrap.dedent("""
        import sys
        from scrapy.crawler import CrawlerProcess
        import newscrawl

        process = CrawlerProcess(newscrawl.project_settings(AUTOTHROTTLE_ENABLED=False, LOG_LEVEL="WARNING",
                                                            NEWSCRAWL_CLEANING_WORKERS=0))
        process.crawl("menafn", start_urls=sys.argv[1])
        process.start()
    """)
    with serve(site) as server:
        env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO)}
        env.pop("SCRAPY_SETTINGS_MODULE", None)
        starts = server.url(site.listing_path) + "," + server.url(site.rss_path)
        run = subprocess.run([sys.executable, "-c", script, starts], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    [feed] = (tmp_path / "data" / "feeds" / "menafn").glob("*.jsonl")
    ids = [json.loads(line)["story_id"] for line in feed.read_text(encoding="utf-8").splitlines()]
    assert sorted(ids) == sorted(s.story_id for s in site.expected)
