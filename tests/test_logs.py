"""Concise logs (issue 20): a drop is one line naming the story, its reason and what matched;
``LOG_LEVEL=WARNING`` still shows one line with the run's outcome; a crawl whose start URLs all
fail names each of them. Real ``scrapy crawl menafn`` runs against a site on loopback.
"""

from __future__ import annotations

import re
import socket

from newscrawl.cleaning.document import Rejection
from newscrawl.demo_site.server import LoopbackSite, Page
from newscrawl.items import Article
from newscrawl.ledger import Rejected
from newscrawl.logformatter import NewscrawlLogFormatter
from tests.site_server import build_site, last_line, run_crawl, serve

SUMMARY = re.compile(
    r"\[newscrawl\.extensions\] WARNING: newscrawl summary \(menafn, run (?P<run>\S+), finished\): "
    r"(?P<new>\d+) new stories exported -> (?P<feeds>.+?); (?P<handled>\d+) already handled \(skipped\); "
    r"dropped (?P<dropped>.+)$")


def log_lines(stderr: str) -> list[str]:
    """The log's records (a record's continuation lines, such as a dumped item, belong to it)."""
    records: list[str] = []
    for line in stderr.splitlines():
        if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[", line) or not records:
            records.append(line)
        else:
            records[-1] += "\n" + line
    return records


def test_a_drop_is_one_line_with_the_story_reason_and_detail():
    item = Article(url="https://menafn.com/1109876543/x", story_id="1109876543", title="A title",
                   body="The whole story text, which must not reach the log. " * 50)
    rejection = Rejection("near_duplicate", "jaccard 0.94 with 1109876000", duplicate_of="1109876000")
    entry = NewscrawlLogFormatter().dropped(item, Rejected(rejection, "neardup"), None, None)
    text = entry["msg"] % entry["args"]
    assert text == "Dropped 1109876543: near_duplicate: jaccard 0.94 with 1109876000 (duplicate of 1109876000)"
    assert entry["level"] == 20  # the rejection's own level (INFO), as Scrapy's formatter takes it


def test_crawl_logs_drops_in_one_line_and_the_outcome_at_warning(tmp_path):
    site = build_site(20, seed=5, kinds={"soft404": 1, "gone404": 1})
    soft404 = next(s for s in site.stories if s.kind == "soft404")
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        first = run_crawl(starts, tmp_path)  # INFO, the project's level
        feed_lines = {str(p): len(p.read_text(encoding="utf-8").splitlines()) for p in tmp_path.rglob("*.jsonl")}
        quiet = run_crawl(starts, tmp_path, "LOG_LEVEL=WARNING")  # the same site again: nothing new
    assert first.returncode == 0, first.stderr[-2000:]
    assert quiet.returncode == 0, quiet.stderr[-2000:]

    records = log_lines(first.stderr)
    [drop] = [r for r in records if "Dropped" in r]
    assert drop.endswith(f"INFO: Dropped {soft404.story_id}: error_shell: visible #HiddenErrorDiv, empty story container")
    assert "\n" not in drop
    assert "Article(" not in first.stderr and soft404.paragraphs[0][:60] not in first.stderr

    [summary] = [SUMMARY.search(r) for r in records if SUMMARY.search(r)]
    assert int(summary["new"]) == len(first.items) == len(site.expected)
    [feed] = summary["feeds"].split(", ")  # the project's feed, that run's own file
    assert feed.startswith(str(tmp_path / "data" / "feeds" / "menafn"))
    assert feed_lines[feed] == len(site.expected)
    assert summary["handled"] == "0"
    assert re.fullmatch(r"2 \((error_shell=1, gone=1|gone=1, error_shell=1)\) -> \S+/rejects/menafn/\S+\.jsonl",
                        summary["dropped"]), summary["dropped"]

    # At WARNING a successful run prints its outcome and nothing else.
    assert len(log_lines(quiet.stderr)) == 1, quiet.stderr
    again = SUMMARY.search(quiet.stderr)
    assert again is not None, quiet.stderr
    assert (again["new"], again["feeds"], again["dropped"]) == ("0", "no feed file", "none")
    assert int(again["handled"]) == len(site.expected) + 2  # every story, and the two closed by rejects


def test_no_start_url_working_names_every_one(tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/rss/latest.xml"
    with LoopbackSite({"/robots.txt": Page("User-agent: *\n", content_type="text/plain")}) as server:
        starts = [server.url("/rss/gone.xml"), server.url("/listing/gone"), closed]
        result = run_crawl(starts, tmp_path, "LOG_LEVEL=WARNING")
    assert result.returncode == 1
    line = last_line(result.stderr)
    assert line.startswith("newscrawl: menafn: could not reach 127.0.0.1 ("), line
    assert line.endswith(f"none of the 3 start URLs could be fetched ({', '.join(starts)})"), line
