"""Scrapy settings for newscrawl: the project, and the add-on that declares everything else.

Every default newscrawl has is declared once, in ``newscrawl/addon.py``
(``NewscrawlAddon``), at the add-on priority: a setting written here, in your
own settings module or with ``-s NAME=VALUE`` overrides it.
"""

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
COMMANDS_MODULE = "newscrawl.commands"
# Installed before any add-on runs: the crawl's cleaning workers and the ledger need asyncio.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
ADDONS = {"newscrawl.addon.NewscrawlAddon": 0}
