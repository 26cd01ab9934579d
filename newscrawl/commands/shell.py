"""``scrapy shell URL [--spider NAME]`` on a story of any configured site or of its mirror.

Scrapy's own command would refuse a mirror on loopback and open the spider's state like a crawl;
see ``newscrawl.commands.inspection``.
"""

from __future__ import annotations

from scrapy.commands.shell import Command as ScrapyShellCommand
from scrapy.http import Request
from scrapy.utils.spider import DefaultSpider, spidercls_for_request
from scrapy.utils.url import guess_scheme

from newscrawl.commands.inspection import DEFAULT_SETTINGS, inspect_one_url


class Command(ScrapyShellCommand):
    default_settings = {**ScrapyShellCommand.default_settings, **DEFAULT_SETTINGS}

    def run(self, args, opts) -> None:
        url = guess_scheme(args[0]) if args else None
        loader = self.crawler_process.spider_loader
        if opts.spider:
            spidercls = loader.load(opts.spider)
        else:
            spidercls = spidercls_for_request(loader, Request(url), DefaultSpider) if url else DefaultSpider
        inspect_one_url(self.crawler_process.settings, spidercls, url)
        super().run(args, opts)
