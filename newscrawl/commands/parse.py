"""``scrapy parse URL --spider NAME`` on a story of any configured site or of its mirror.

Scrapy's own command refuses a mirror's URL as offsite unless ``-a start_urls`` names it too, and
would open the spider's state like a crawl; see ``newscrawl.commands.inspection``.
"""

from __future__ import annotations

import warnings

from scrapy.commands.parse import Command as ScrapyParseCommand
from scrapy.exceptions import ScrapyDeprecationWarning

from newscrawl.commands.inspection import DEFAULT_SETTINGS, inspect_one_url


class Command(ScrapyParseCommand):
    default_settings = {**ScrapyParseCommand.default_settings, **DEFAULT_SETTINGS}

    def set_spidercls(self, url, opts) -> None:
        super().set_spidercls(url, opts)
        if self.spidercls is not None:
            inspect_one_url(self.crawler_process.settings, self.spidercls, url)

    def start_parsing(self, url, opts) -> None:
        with warnings.catch_warnings():
            # Scrapy's parse command wraps every callback in one returning a Deferred, then warns about it.
            warnings.filterwarnings("ignore", r".*returned a Deferred", ScrapyDeprecationWarning)
            super().start_parsing(url, opts)
