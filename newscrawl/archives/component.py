"""Archiving a crawl: every fetched response, with its request, into ``<NEWSCRAWL_WARC_DIR>/<spider>/<run>.warc.gz``.

A downloader middleware placed next to the downloader (890: after the HTTP
cache, before stats, redirects, retries and decompression), so it sees each
answer as it came off the wire: redirects, errors, retried attempts and
robots.txt included, bodies still content-encoded. On with
``NEWSCRAWL_WARC=1`` (setting or environment), or by setting
``NEWSCRAWL_WARC_DIR`` above the add-on's default; the run id is the ledger's,
so the archive sits beside the run's feed, rejects and summary by name.
This is the only module of ``newscrawl.archives`` that imports Scrapy.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES

from newscrawl.archives.writer import WarcFileWriter, http_request, http_response, run_info
from newscrawl.store import mask_url

logger = logging.getLogger(__name__)

# What the warcinfo record says of how the crawl ran (besides every NEWSCRAWL_* setting).
_RECORDED = ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "CONCURRENT_REQUESTS",
             "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_MAXSIZE")


def archiving_enabled(settings) -> bool:
    return settings.getbool("NEWSCRAWL_WARC") or (
        (settings.getpriority("NEWSCRAWL_WARC_DIR") or 0) > SETTINGS_PRIORITIES["addon"])


def _header_lines(headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]


def _settings_info(settings) -> dict[str, str]:
    names = sorted(n for n in settings.attributes if n.startswith("NEWSCRAWL_")) + list(_RECORDED)
    out = {}
    for name in names:
        value = settings.get(name)
        if name == "NEWSCRAWL_REDIS_URL" and value:
            value = mask_url(value)  # never a password in an archive
        out[name] = json.dumps(value, default=str, ensure_ascii=False)
    return out


class WarcArchiveMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.root = Path(settings.get("NEWSCRAWL_WARC_DIR"))
        self.max_bytes = settings.getint("NEWSCRAWL_WARC_MAX_BYTES")
        self.writer: WarcFileWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not archiving_enabled(crawler.settings):
            raise NotConfigured
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider) -> None:
        from newscrawl.ledger import Ledger

        ledger = self.crawler.get_extension(Ledger)
        if ledger is None:  # the ledger disabled: the archive still gets a run id of the same form
            from newscrawl.delivery import new_run_id

            run = new_run_id()
            logger.warning("the ledger is not enabled; archiving as run %s", run)
        else:
            run = ledger.run_id
        software = f"newscrawl/{_version()} (Scrapy {scrapy.__version__})"
        info = run_info(software, spider.name, run, _settings_info(self.crawler.settings))
        self.writer = WarcFileWriter(self.root / spider.name, run, info, self.max_bytes)
        logger.info("archiving every response to %s", self.writer.path)

    def process_response(self, request, response, spider=None):
        if self.writer is None:
            return response
        parts = urlsplit(request.url)
        headers = _header_lines(request.headers)
        if not any(k.lower() == "host" for k, _ in headers):
            headers.insert(0, ("Host", parts.netloc))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        self.writer.write_exchange(
            response.url,
            http_request(request.method, target, headers, request.body or b""),
            http_response(response.status, reason, _header_lines(response.headers), response.body,
                          protocol=response.protocol or "HTTP/1.1"),
            response.body,
            ip_address=str(response.ip_address) if response.ip_address else None,
        )
        stats = self.crawler.stats
        stats.inc_value("newscrawl/warc/records", 2)
        if len(self.writer.files) != len(stats.get_value("newscrawl/warc/files") or ()):
            stats.set_value("newscrawl/warc/files", [str(p) for p in self.writer.files])
        return response

    def spider_closed(self, spider, reason) -> None:
        if self.writer is not None:
            self.writer.close()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newscrawl")
    except PackageNotFoundError:
        return "0"
