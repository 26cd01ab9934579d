"""``scrapy parse`` and ``scrapy shell`` on one story URL of a site's mirror (issue 20).

Scrapy's own commands refused a mirror's URL (offsite, then a loopback address) unless ``-a start_urls``
named it too, and opened the spider's state as a crawl does. Real commands in subprocesses against a
loopback mirror of MENAFN; the state must stay untouched (a scheduled crawl may hold its lock).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from tests.site_server import REPO, build_site, serve


def scrapy(*args: str, data: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(data), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "scrapy", *args, "-s", "LOG_LEVEL=WARNING"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_parse_reads_a_mirrors_story_without_start_urls_or_state(tmp_path):
    site = build_site(20, seed=4)
    story = site.expected[3]
    with serve(site) as server:
        url = server.url(story.path)
        run = scrapy("parse", url, "--spider", "menafn", "--pipelines", "--nocolour", data=tmp_path / "data")
        assert server.served(story.path) == 1
    assert run.returncode == 0, run.stderr[-2000:]
    assert "No response downloaded" not in run.stderr and "offsite" not in run.stderr.lower()
    [item] = ast.literal_eval(run.stdout.split("# Scraped Items")[1].split("# Requests")[0].strip(" -\n"))
    assert (item["story_id"], item["title"], item["url"]) == (story.story_id, story.title, url)
    assert item["body"] == "\n\n".join(story.paragraphs)  # cleaned (--pipelines): the story alone
    assert not (tmp_path / "data").exists()  # no state, no run record, no feed: nothing was delivered


def test_parse_picks_the_sites_spider_from_the_url():
    from scrapy.http import Request
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.spider import spidercls_for_request

    from newscrawl.api import project_settings

    loader = SpiderLoader.from_settings(project_settings())
    pick = lambda url: getattr(spidercls_for_request(loader, Request(url)), "name", None)  # noqa: E731
    assert pick("https://menafn.com/1109876543/Some-Story") == "menafn"
    assert pick("https://www.prnewswire.com/news-releases/a-release-302000000.html") == "prnewswire"
    assert pick("https://example.org/news/1") is None  # any other site: --spider wire


def test_shell_fetches_a_mirrors_story_and_the_spider_reads_it(tmp_path):
    site = build_site(20, seed=4)
    story = site.expected[5]
    code = "(response.status, spider.story_key(response.url), spider.allowed_domains, spider.mirror)"
    with serve(site) as server:
        run = scrapy("shell", server.url(story.path), "--spider", "menafn", "-c", code, data=tmp_path / "data")
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == repr((200, story.story_id, ["127.0.0.1"], True))  # a mirror of MENAFN
    assert not (tmp_path / "data").exists()
