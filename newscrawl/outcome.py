"""How a component says the run failed: one line, one place.

``scrapy crawl`` (``newscrawl.commands.crawl``) prints the ``newscrawl/failure``
stat as its last line and exits 1, and the run summary records it. The first
failure wins: later ones are usually its consequences. ``fail`` can also close
the spider, with a reason that the summary reports as ``finish_reason``.
"""

from __future__ import annotations

import logging

from scrapy.utils.defer import deferred_from_coro

FAILURE_KEY = "newscrawl/failure"

logger = logging.getLogger(__name__)


def failure(crawler) -> str | None:
    return crawler.stats.get_value(FAILURE_KEY) if crawler.stats else None


def fail(crawler, message: str, close_reason: str | None = None) -> None:
    """Record ``message`` as the run's failure (unless one is already recorded) and, with
    ``close_reason``, close the spider."""
    if not crawler.stats.get_value(FAILURE_KEY):
        crawler.stats.set_value(FAILURE_KEY, message)
        logger.error(message)
    engine = getattr(crawler, "engine", None)
    if close_reason and engine is not None and engine.spider is not None:
        closing = deferred_from_coro(engine.close_spider_async(reason=close_reason))
        closing.addErrback(lambda _: None)  # the engine was not open yet, or is closing already
