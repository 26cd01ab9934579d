"""Downloader safety: retries that back off, quiet logs for unreachable hosts, address guards, a blocked-host stop.

``RetryAfterMiddleware`` is Scrapy's ``RetryMiddleware`` with a wait before each
retry: the server's ``Retry-After`` (seconds or an HTTP date) when it sends one,
else ``NEWSCRAWL_RETRY_BACKOFF_BASE * 2**(attempt-1)``, both capped by
``NEWSCRAWL_RETRY_BACKOFF_MAX``. The wait is an awaited timer, so the reactor
keeps serving other requests. A host that has never answered and fails with a
DNS or connection-refused error is not retried at all: on a machine without
network that turns minutes of pointless retries into one prompt failure.

``RedirectOffsiteMiddleware`` puts a redirect of a start request through the offsite check
like any other request: Scrapy copies the start request's ``dont_filter`` onto its redirect,
which its own ``OffsiteMiddleware`` then lets through to any host.

``PrivateAddressMiddleware`` refuses non-http(s) URLs and requests to private,
loopback or link-local addresses (IP literals, or hosts resolving to them),
except on the hosts of the start URLs the user gave. ``BlockedHostBreaker``
stops the run with one line when a host answers only 403/429, instead of
hammering it for hours. ``RedirectLoopMiddleware`` fails a looping redirect with
a reason; ``ResponseSniffMiddleware`` keeps binary bodies labelled ``text/html``
away from the extractor and re-decodes pages whose charset label is wrong.
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urldefrag, urljoin

from scrapy import signals
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet import error as tx_error

from newscrawl.outcome import fail
from newscrawl.safety import address_refusal, host_of, ip_literal, url_refusal

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
        self.backoff_base = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_MAX")
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


# --- Safety: where requests may go ------------------------------------------------------
class RedirectOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's offsite check for the redirects it skips: a start request carries ``dont_filter`` (so a
    frontier that remembers it still fetches it), and Scrapy copies that onto every redirect of it. A
    redirect to a host outside ``allowed_domains`` is refused (``offsite/filtered``) unless the request
    says ``allow_offsite``; other requests are left to ``OffsiteMiddleware`` as they are."""

    @classmethod
    def from_crawler(cls, crawler):
        mw = cls(crawler.stats)
        mw.crawler = crawler
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def process_request(self, request, spider=None):
        if not (request.dont_filter and request.meta.get("redirect_urls")) or request.meta.get("allow_offsite"):
            return None
        return super().process_request(request.replace(dont_filter=False))


class PrivateAddressMiddleware:
    """Refuses (``IgnoreRequest``, counted under ``newscrawl/safety/refused/<why>``) requests that a page
    could use to reach the crawling machine or its network: non-http(s) schemes, and hosts that are, or
    resolve to, private, loopback or link-local addresses. Hosts of the spider's ``start_urls`` and of
    ``NEWSCRAWL_TRUSTED_HOSTS`` are exempt from the address check (a mirror or test server on loopback).
    The check resolves through the crawler's own caching resolver, so the connection uses the address
    that was checked.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.enabled = crawler.settings.getbool("NEWSCRAWL_REFUSE_PRIVATE_ADDRESSES")
        self.trusted: set[str] = {h.lower() for h in crawler.settings.getlist("NEWSCRAWL_TRUSTED_HOSTS")}
        self._verdicts: dict[str, str | None] = {}
        self._logged: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler):
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider):
        self.trusted.update(h for h in (host_of(u) for u in getattr(spider, "start_urls", None) or []) if h)

    async def process_request(self, request, spider=None):
        why = url_refusal(request.url)
        host = host_of(request.url)
        if why is None and self.enabled and host not in self.trusted:
            why = await self._address_verdict(host)
        if why is not None:
            self.stats.inc_value(f"newscrawl/safety/refused/{why}")
            first = (host, why) not in self._logged
            self._logged.add((host, why))
            logger.log(logging.WARNING if first else logging.DEBUG, "refused %s: %s", request.url[:200],
                       why.replace("_", " "))
            raise IgnoreRequest(f"refused: {why.replace('_', ' ')}")
        return None

    async def _address_verdict(self, host: str) -> str | None:
        if host in self._verdicts:
            return self._verdicts[host]
        literal = ip_literal(host)
        if literal is not None:
            verdict = address_refusal(literal)
        else:
            from twisted.internet import reactor

            try:
                address = await maybe_deferred_to_future(reactor.resolve(host))
            except Exception:  # unresolvable: the download itself fails and is reported as such
                return None
            verdict = address_refusal(address)
            if verdict is not None:
                verdict = f"resolves_to_{verdict}"
        self._verdicts[host] = verdict
        return verdict


# --- A host that refuses everything ---------------------------------------------------
class BlockedHostBreaker:
    """Stops the run when one host answers ``NEWSCRAWL_BLOCKED_STREAK`` responses in a row with a
    blocking status (``NEWSCRAWL_BLOCKED_CODES``: 403, 429), retries included.

    The spider is closed with reason ``blocked_host``, ``newscrawl/failure`` says which host and why
    (so ``scrapy crawl`` exits 1 with that line), and requests still queued for the host are refused
    rather than sent. Any other answer from the host resets its streak. 0 disables the breaker.
    """

    def __init__(self, crawler, streak: int, codes: set[int]):
        self.crawler = crawler
        self.stats = crawler.stats
        self.limit = streak
        self.codes = codes
        self.streaks: dict[str, int] = {}
        self.tripped: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(crawler, s.getint("NEWSCRAWL_BLOCKED_STREAK"),
                   {int(c) for c in s.getlist("NEWSCRAWL_BLOCKED_CODES")})

    def process_request(self, request, spider=None):
        if self.tripped and host_of(request.url) in self.tripped:
            self.stats.inc_value("newscrawl/blocked_host/requests_not_sent")
            raise IgnoreRequest("host is blocking the crawler")
        return None

    def process_response(self, request, response, spider=None):
        if self.limit <= 0 or request.url.endswith("/robots.txt"):
            return response
        host = host_of(request.url)
        if response.status not in self.codes:
            self.streaks.pop(host, None)
            return response
        n = self.streaks[host] = self.streaks.get(host, 0) + 1
        if n >= self.limit and host not in self.tripped:
            self._trip(host, n, response.status)
        return response

    def _trip(self, host: str, n: int, status: int) -> None:
        self.tripped.add(host)
        codes = "/".join(str(c) for c in sorted(self.codes))
        name = getattr(self.crawler.spider, "name", "crawl")
        message = (f"{name}: {host} answered {n} requests in a row with {codes} (last {status}); "
                   f"stopped instead of hammering it (NEWSCRAWL_BLOCKED_STREAK={self.limit})")
        self.stats.inc_value("newscrawl/blocked_host/stopped")
        fail(self.crawler, message, close_reason="blocked_host")


# --- Responses that lie about themselves -------------------------------------------------
class RedirectLoopMiddleware:
    """Refuses a redirect back to a URL of its own chain (counted ``newscrawl/redirect_loop``), so a
    looping story fails with a reason instead of vanishing in the duplicate filter."""

    def __init__(self, crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        location = response.headers.get(b"Location")
        if not (300 <= response.status < 400) or not location:
            return response
        target = urldefrag(urljoin(request.url, location.decode("latin-1").strip()))[0]
        chain = {urldefrag(u)[0] for u in [*request.meta.get("redirect_urls", []), request.url]}
        if target in chain:
            self.stats.inc_value("newscrawl/redirect_loop")
            raise IgnoreRequest("redirect loop")
        return response


# Leading bytes of formats that are never a web page, whatever the Content-Type says.
BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"\x1f\x8b",
                b"\x7fELF", b"OggS", b"ID3", b"\x00\x00\x01\x00", b"Rar!", b"7z\xbc\xaf", b"\xd0\xcf\x11\xe0")
_CONTROL = bytes(range(0, 9)) + bytes(range(14, 32))
_SINGLE_BYTE = {"cp1252", "windows-1252", "latin-1", "latin1", "iso-8859-1", "iso8859-1", "iso-8859-15", "ascii",
                "us-ascii"}


def binary_kind(body: bytes) -> str | None:
    """``pdf``/``zip``/... when the body starts like a binary format, ``binary`` when its head is mostly
    control bytes, else None. UTF-16 text (with a BOM) is text."""
    head = body[:4096]
    for magic in BINARY_MAGIC:
        if head.startswith(magic):
            return {b"%PDF-": "pdf", b"PK\x03\x04": "zip", b"\x1f\x8b": "gzip"}.get(magic, "binary")
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    controls = sum(head.count(bytes([c])) for c in _CONTROL)
    return "binary" if controls / len(head) > 0.1 else None


def charset_fix(body: bytes, encoding: str) -> str | None:
    """The encoding a page's bytes really use when its label is wrong, else None.

    Valid UTF-8 with multi-byte characters labelled as a single-byte Western charset is UTF-8
    (such byte runs almost never mean cp1252 text); a page labelled UTF-8 whose non-ASCII bytes are
    not UTF-8 at all is cp1252.
    """
    enc = (encoding or "").lower().replace("_", "-")
    if body.isascii():
        return None
    if enc in _SINGLE_BYTE:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "utf-8"
    if enc in ("utf-8", "utf8"):
        text = body.decode("utf-8", errors="surrogateescape")
        invalid = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
        valid_non_ascii = sum(1 for ch in text if ord(ch) > 127) - invalid
        if invalid and not valid_non_ascii:
            return "cp1252"
    return None


class ResponseSniffMiddleware:
    """After decompression: a binary body sent as text becomes a plain (non-text) ``Response``, which
    the spider counts as not a page (``newscrawl/binary_body/<kind>``); a page whose charset label
    contradicts its bytes is re-decoded with the right one (``newscrawl/charset_repaired/<from>_to_<to>``)."""

    def __init__(self, crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if not isinstance(response, TextResponse) or not response.body:
            return response
        kind = binary_kind(response.body)
        if kind is not None:
            self.stats.inc_value(f"newscrawl/binary_body/{kind}")
            logger.warning("%s is %s data sent as %s; not read as a page", response.url, kind,
                           (response.headers.get(b"Content-Type") or b"?").decode("latin-1"))
            return Response(response.url, status=response.status, headers=response.headers, body=response.body,
                            flags=[*response.flags, kind], request=response.request, certificate=response.certificate,
                            ip_address=response.ip_address, protocol=response.protocol)
        fix = charset_fix(response.body, response.encoding)
        if fix is not None:
            self.stats.inc_value(f"newscrawl/charset_repaired/{response.encoding}_to_{fix}")
            logger.info("%s is labelled %s but its bytes are %s; decoded as %s", response.url, response.encoding, fix, fix)
            return response.replace(encoding=fix)
        return response
