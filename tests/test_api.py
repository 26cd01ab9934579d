"""The Python API (issue 20): ``newscrawl.extract``, ``newscrawl.clean``, ``newscrawl.project_settings``.

What a trafilatura or news-please user would call, against the same fixtures the crawl is tested on;
``clean`` against ``newscrawl clean`` on the same records, and its delivery promise under random
early stops (a caller that breaks out of the loop, or dies handling a record).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import newscrawl
from newscrawl.clean_files import run_clean
from tests.site_server import REPO, build_site, serve
from tests.test_clean_command import article, light_edit, read_jsonl, records_file

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


def test_clean_yields_what_newscrawl_clean_writes_in_input_order(tmp_path):
    oil = article("oil-reuters.txt")
    shell = "Sorry!!\nError! We're sorry, but the page you were looking for doesn't exist.\nLegal Disclaimer:"
    records = [{"id": "oil", "url": "https://example.org/oil", "text": oil, "extra": 1},
               {"id": "copy", "text": light_edit(oil)},  # another provider's copy of the same story
               {"id": "oil", "text": article("plague-express.txt")},  # a repeat of an id
               {"id": "shell", "text": shell},
               {"id": "page", "url": RELEASE_URL, "html": RELEASE.read_text(encoding="utf-8")}]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    run_clean([str(src)], tmp_path / "out.jsonl", tmp_path / "rej.jsonl", jobs=0)

    cleaned = list(newscrawl.clean(records))
    assert [(c.kept, c.reason) for c in cleaned] == [
        (True, None), (False, "near_duplicate"), (False, "duplicate"), (False, "error_shell"), (True, None)]
    assert cleaned[1].record["duplicate_of"] == "oil"
    assert [c.record for c in cleaned if c.kept] == read_jsonl(tmp_path / "out.jsonl")
    assert [c.record for c in cleaned if not c.kept] == read_jsonl(tmp_path / "rej.jsonl")
    assert cleaned[4].record["title"] == "Maple Ridge Foods Opens Second Processing Plant in Manitoba"
    assert records[0] == {"id": "oil", "url": "https://example.org/oil", "text": oil, "extra": 1}  # not changed


@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stops=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=4), with_ids=st.booleans())
def test_with_state_every_record_is_delivered_once_across_calls_that_stop_early(tmp_path_factory, stops, with_ids):
    """A caller that stops after a random number of records, then calls again with the same state:
    across the calls, the records it moved past are every record exactly once (the one it stopped on
    is offered again); repeats of delivered records come back as duplicates, never as new."""
    folder = tmp_path_factory.mktemp("calls")
    records = records_file(folder / "in.jsonl", 100, with_ids=with_ids)
    state = folder / "state.sqlite3"
    delivered: list[str] = []
    for stop in [*stops, None]:  # the last call runs to the end
        got = newscrawl.clean(records, state)
        for n, cleaned in enumerate(got):
            if stop is not None and n == stop:
                got.close()  # the caller stops holding this record: not delivered
                break
            assert cleaned.reason != "duplicate" or cleaned.key in delivered, cleaned.record
            if cleaned.reason != "duplicate":
                delivered.append(cleaned.key)
    assert len(delivered) == len(set(delivered)) == len(records)
    again = list(newscrawl.clean(records, state))
    assert {c.reason for c in again} == {"duplicate"}
