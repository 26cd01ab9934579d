"""``scrapy parse URL --spider NAME`` on a story of any configured site or of its mirror.

Scrapy's own command refuses a mirror's URL as offsite unless ``-a start_urls`` names it too, and
would open the spider's state like a crawl; see ``newscrawl.commands.inspection``.
"""

from __future__ import annotations

import argparse
import logging
import warnings

from scrapy.commands.parse import Command as ScrapyParseCommand
from scrapy.exceptions import DropItem, ScrapyDeprecationWarning
from scrapy.utils.defer import deferred_from_coro

from newscrawl.commands.inspection import DEFAULT_SETTINGS, inspect_one_url

logger = logging.getLogger(__name__)


class Command(ScrapyParseCommand):
    default_settings = {**ScrapyParseCommand.default_settings, **DEFAULT_SETTINGS}

    def set_spidercls(self, url, opts) -> None:
        super().set_spidercls(url, opts)
        if self.spidercls is not None:
            inspect_one_url(self.crawler_process.settings, self.spidercls, url)

    def scraped_data(self, args):
        """With ``--pipelines``, the items are printed once the pipelines have finished with them (Scrapy's
        command starts them and prints at once, before an asynchronous pipeline has cleaned anything)."""
        items, requests, opts, depth, spider, callback = args
        if not opts.pipelines:
            return super().scraped_data(args)
        return deferred_from_coro(self._through_pipelines(args))

    async def _through_pipelines(self, args):
        items, requests, opts, depth, spider, callback = args
        itemproc = self.pcrawler.engine.scraper.itemproc
        for item in items:
            try:
                await itemproc.process_item_async(item)
            except DropItem as exc:
                logger.warning("%s dropped by the pipelines: %s", getattr(item, "url", item), exc)
        done = argparse.Namespace(**{**vars(opts), "pipelines": False})
        return super().scraped_data((items, requests, done, depth, spider, callback))

    def start_parsing(self, url, opts) -> None:
        with warnings.catch_warnings():
            # Scrapy's parse command wraps every callback in one returning a Deferred, then warns about it.
            warnings.filterwarnings("ignore", r".*returned a Deferred", ScrapyDeprecationWarning)
            super().start_parsing(url, opts)
