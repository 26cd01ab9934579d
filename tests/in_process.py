"""Crawls run inside the test process, as Scrapy's own suite runs them (``get_crawler`` + ``crawl``).

A subprocess ``scrapy crawl`` costs about two seconds of start-up before its first request; a crawl
here costs only the crawl. It is the same crawl: the project's add-on and every component it
enables, the real spider against a loopback site, the feed written to a data directory. What a
subprocess adds (the ``crawl`` command's exit status and last stderr line, signals, kills) is
tested with subprocess crawls (``tests.site_server.run_crawl``).

The Twisted reactor (the asyncio one, the project's ``TWISTED_REACTOR``) runs for the whole session
(pytest-twisted, ``--reactor=asyncio`` in pytest's options). Tests are ``async def`` under
``@pytest_twisted.ensureDeferred`` (fixtures under ``@pytest_twisted.async_fixture``) and
``await crawl(...)``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from scrapy.utils.defer import deferred_from_coro
from twisted.internet.defer import Deferred

from newscrawl.outcome import failure

# The subprocess crawls' FAST settings, minus what only a process needs.
FAST = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "NEWSCRAWL_CLEANING_WORKERS": 0,
        "NEWSCRAWL_RETRY_BACKOFF_BASE": 0.1, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        # gc.freeze() in the test process would keep every later test's garbage
        "NEWSCRAWL_GC_FREEZE": False}


@dataclass
class Crawled:
    failure: str | None  # the run's failure, as ``scrapy crawl`` prints it last (exit status 1), or None
    items: list[dict]
    stats: dict
    log: str  # every record the crawl logged, one per line

    @property
    def ids(self) -> list[str]:
        return [i.get("story_id") for i in self.items]


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(f"[{record.name}] {record.levelname}: {record.getMessage()}")


def crawl(start_urls: list[str], workdir: Path, spider: str = "menafn", **settings) -> Deferred[Crawled]:
    """A whole crawl of ``spider`` from ``start_urls`` with its data directory in ``workdir/data`` (as
    ``run_crawl``); ``settings`` on top of ``FAST``. A Deferred: the crawl runs on asyncio, the test's
    coroutine on Twisted."""
    return deferred_from_coro(_crawl(start_urls, Path(workdir) / "data", spider, settings))


async def _crawl(start_urls: list[str], data: Path, spider: str, settings: dict) -> Crawled:
    from scrapy.spiderloader import SpiderLoader

    from newscrawl.api import project_settings
    from tests.conftest import newscrawl_crawler

    runs = data / "runs" / spider
    before = set(runs.glob("*.json"))
    previous = os.environ.get("NEWSCRAWL_DATA_DIR")
    os.environ["NEWSCRAWL_DATA_DIR"] = str(data)  # read when the add-on declares the defaults
    records = _Records()
    root = logging.getLogger()
    root.addHandler(records)
    level = root.level
    root.setLevel(logging.INFO)  # what a crawl logs at its LOG_LEVEL, INFO, as the subprocess crawls
    try:
        spidercls = SpiderLoader.from_settings(project_settings()).load(spider)
        crawler = newscrawl_crawler(spidercls, **{**FAST, **settings})
        kwargs = {"start_urls": ",".join(start_urls)} if start_urls else {}
        await crawler.crawl_async(**kwargs)
    finally:
        root.removeHandler(records)
        root.setLevel(level)
        if previous is None:
            os.environ.pop("NEWSCRAWL_DATA_DIR", None)
        else:
            os.environ["NEWSCRAWL_DATA_DIR"] = previous
    items = []
    for summary in sorted(set(runs.glob("*.json")) - before):
        for feed in json.loads(summary.read_text(encoding="utf-8")).get("feeds") or ():
            if Path(feed).is_file():
                items += [json.loads(line) for line in Path(feed).read_text(encoding="utf-8").splitlines()]
    return Crawled(failure(crawler), items, crawler.stats.get_stats(), "\n".join(records.lines))
