"""Downloader safety: retries that back off, and quiet logs for hosts that cannot be reached.

``RetryAfterMiddleware`` is Scrapy's ``RetryMiddleware`` with a wait before each
retry: the server's ``Retry-After`` (seconds or an HTTP date) when it sends one,
else ``NEWSCRAWL_RETRY_BACKOFF_BASE * 2**(attempt-1)``, both capped by
``NEWSCRAWL_RETRY_BACKOFF_MAX``. The wait is an awaited timer, so the reactor
keeps serving other requests. A host that has never answered and fails with a
DNS or connection-refused error is not retried at all: on a machine without
network that turns minutes of pointless retries into one prompt failure.
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet import error as tx_error

logger = logging.getLogger(__name__)

# Errors that say "nobody is there" rather than "try again later".
UNREACHABLE_ERRORS = (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    tx_error.DNSLookupError,
    tx_error.ConnectionRefusedError,
    tx_error.NoRouteError,
)


def parse_retry_after(value: str | bytes | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date); None if absent or unreadable."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """Wait before retry number ``attempt`` (1-based): the server's ``Retry-After`` if given, else exponential; capped."""
    delay = retry_after if retry_after is not None else base * (2 ** max(0, attempt - 1))
    return max(0.0, min(cap, delay))


class RetryAfterMiddleware(RetryMiddleware):
    """Retries 429/5xx and transient network errors, waiting (without blocking) before each retry."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_MAX", 60.0)
        self.answered_hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        mw = super().from_crawler(crawler)
        quiet_unreachable_tracebacks()
        return mw

    async def process_response(self, request, response, spider=None):
        self.answered_hosts.add(urlparse_cached(request).hostname or "")
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        retry_after = parse_retry_after(response.headers.get(b"Retry-After"))
        await self._wait(retry, retry_after)
        return retry

    async def process_exception(self, request, exception, spider=None):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        host = urlparse_cached(request).hostname or ""
        if isinstance(exception, UNREACHABLE_ERRORS) and host not in self.answered_hosts:
            self.crawler.stats.inc_value("newscrawl/retry/unreachable_not_retried")
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await self._wait(retry, None)
        return retry

    async def _wait(self, retry, retry_after: float | None) -> None:
        delay = backoff_delay(retry.meta.get("retry_times", 1), self.backoff_base, self.backoff_max, retry_after)
        stats = self.crawler.stats
        if retry_after is not None:
            stats.inc_value("newscrawl/retry/retry_after_honoured")
        if delay > 0:
            stats.inc_value("newscrawl/retry/backoff_seconds", round(delay, 3))
            logger.debug("waiting %.2fs before retrying %s", delay, retry)
            await sleep(delay)


class _UnreachableFilter(logging.Filter):
    """Shortens log records about unreachable hosts to one line (no traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, UNREACHABLE_ERRORS):
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_FILTER = _UnreachableFilter()
_QUIET_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.core.scraper")


def quiet_unreachable_tracebacks() -> None:
    """Install the one-line filter on Scrapy's loggers that report failed downloads (idempotent)."""
    for name in _QUIET_LOGGERS:
        log = logging.getLogger(name)
        if _FILTER not in log.filters:
            log.addFilter(_FILTER)
