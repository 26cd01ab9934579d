"""``scrapy crawl`` that fails loudly: exit 1 with one line when the run could not do its job.

Scrapy's own ``crawl`` exits 0 whenever the engine started, even if every page
failed. Here, after the crawl, a one-line ``newscrawl/failure`` stat (set by
the spider when no start URL could be fetched, or by the run-health extension)
is printed to stderr and the exit status becomes 1.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

FAILURE_KEY = "newscrawl/failure"  # the same key as newscrawl.extensions.FAILURE_KEY


def state_problem(settings, spider_name: str) -> str | None:
    """Why the run's state store cannot be used (unreachable Redis, locked or foreign SQLite file), or None."""
    if not settings.getbool("NEWSCRAWL_SKIP_HANDLED", True) and not settings.getdict("ITEM_PIPELINES"):
        return None
    from newscrawl.state import open_stores_from_settings  # the crawl's own choice of store
    from newscrawl.store import SchemeMismatch, StoreError

    try:
        stores = open_stores_from_settings(settings, spider_name)
    except (StoreError, SchemeMismatch, OSError, ValueError) as exc:
        return str(exc)
    stores.close()
    return None


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider; exit 1 with one line on stderr when the run failed"

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name" if args else None)
        assert self.crawler_process
        known = self.crawler_process.spider_loader.list()
        if args[0] not in known:
            raise UsageError(f"no spider named {args[0]!r} (spiders: {', '.join(sorted(known))})", print_help=False)
        problem = state_problem(self.settings, args[0])
        if problem:  # say it in one line before Scrapy builds the pipelines and prints a traceback
            print(f"newscrawl: {problem}", file=sys.stderr, flush=True)
            self.exitcode = 1
            return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        failure = crawler.stats.get_value(FAILURE_KEY) if crawler.stats else None
        if failure:
            print(f"newscrawl: {failure}", file=sys.stderr, flush=True)
            self.exitcode = 1
