"""Project commands for ``scrapy`` (``COMMANDS_MODULE``); ``crawl`` here replaces Scrapy's own."""
