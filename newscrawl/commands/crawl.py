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


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider; exit 1 with one line on stderr when the run failed"

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name" if args else None)
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        failure = crawler.stats.get_value(FAILURE_KEY) if crawler.stats else None
        if failure:
            print(f"newscrawl: {failure}", file=sys.stderr, flush=True)
            self.exitcode = 1
