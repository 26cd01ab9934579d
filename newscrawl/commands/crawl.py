"""``scrapy crawl`` that fails loudly: exit 1 with one line when the run could not do its job.

Scrapy's own ``crawl`` exits 0 whenever the engine started, even if every page
failed. Here, after the crawl, the run's failure (``newscrawl/failure``, set
through ``newscrawl.outcome.fail`` by the ledger, the spider, the feeds, the
frontier or the run-health check) is printed to stderr as the last line and
the exit status becomes 1.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl.outcome import failure


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
        self._check_entry_points(self.crawler_process.spider_loader.load(args[0]), opts)
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        message = failure(crawler)
        if message:
            print(f"newscrawl: {message}", file=sys.stderr, flush=True)
            self.exitcode = 1

    def _check_entry_points(self, spidercls, opts) -> None:
        """A spider with no entry points of its own (``wire``) needs ``-a start_urls``: say so before the
        engine starts."""
        site = getattr(spidercls, "site", None)
        if site is None or site.entry_points or "start_urls" in opts.spargs:
            return
        if self.settings.getlist(f"{spidercls.name.upper()}_START_URLS"):
            return
        raise UsageError(f"{spidercls.name} has no entry points of its own: give -a start_urls=URL[,URL...] "
                         f"(a news site's home page, section, feed or sitemap)")

