"""The ``menafn`` spider: RSS feeds and section listings in, one ``Article`` per story out.

Entry points are ``MENAFN_START_URLS`` or ``-a start_urls=URL[,URL...]``; the
allowed domains follow their hosts, so a loopback mirror needs no other change
(on a mirror, absolute links to ``MENAFN_ORIGIN_HOSTS`` are read as links to
the mirror, since copied pages and feeds keep the origin's absolute URLs).
From feeds and listings it follows story links (new, legacy aspx and GUID
forms), ``rel=next`` / "Next" pagination (at most ``MENAFN_MAX_LISTING_PAGES``
pages per entry point) and, ``MENAFN_RELATED_DEPTH`` hops deep, story links on
story pages. Each story id is requested once per run and not at all when an
earlier run already handled it; every skip is counted in the stats.

Story pages answering 404/410/403 are counted by kind (``menafn/story_404``,
``menafn/story_410``, ``menafn/story_403`` and ``menafn/story_403_challenge``),
never yielded. When no entry point could be fetched at all the spider sets
``newscrawl/failure`` to one line, which makes ``scrapy crawl`` exit 1.

Stats for run health: ``newscrawl/listings/fetched``; ``newscrawl/stories/``
``discovered`` (distinct stories linked), ``skipped_duplicate``,
``skipped_handled``, ``requested``, ``responses`` (any status) and ``fetched``
(2xx pages handed to the extractor).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.settings import SETTINGS_PRIORITIES

from newscrawl.commands.crawl import FAILURE_KEY
from newscrawl.frontier import RedisFrontierAddon
from newscrawl.extract import extract_article
from newscrawl.extract.urls import canonical_story_url, is_story_url, story_id_from_url
from newscrawl.middlewares import RetryAfterMiddleware
from newscrawl.spiders.links import feed_links, is_feed, next_page, story_links

logger = logging.getLogger(__name__)

DEFAULT_START_URLS = [
    "https://menafn.com/rss/rss.aspx",
    "https://menafn.com/rss/menafn_sa.xml",
    "https://menafn.com/rss/menafn_energy.xml",
    "https://menafn.com/Rss/RssFeeds.aspx?section=UAE",
    "https://menafn.com/",
]
_CHALLENGE_RE = re.compile(
    r"just a moment|attention required|cloudflare|cf-challenge|challenge-running|access denied|captcha|"
    r"checking (?:if the site connection is secure|your browser)",
    re.IGNORECASE,
)
_GONE = {404: "story_404", 410: "story_410"}


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_start_urls(value) -> tuple[list[str], list[str]]:
    """(valid http(s) URLs, rejected values) from a comma-separated string or a list."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    good, bad = [], []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        parts = urlsplit(item)
        (good if parts.scheme in ("http", "https") and parts.hostname else bad).append(item)
    return good, bad


def allowed_domains_for(urls: list[str]) -> list[str]:
    """The start URLs' hosts, ``www.`` dropped so the bare domain and its subdomains are allowed."""
    hosts = []
    for url in urls:
        host = (urlsplit(url).hostname or "").lower()
        host = host[4:] if host.startswith("www.") else host
        if host and host not in hosts:
            hosts.append(host)
    return hosts


def failure_reason(failure) -> str:
    """A short, human phrase for a download failure."""
    exc = failure.value
    response = getattr(exc, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    name = type(exc).__name__
    if isinstance(exc, IgnoreRequest):
        return str(exc) or "request ignored"
    return {
        "DNSLookupError": "DNS lookup failed",
        "CannotResolveHostError": "DNS lookup failed",
        "ConnectionRefusedError": "connection refused",
        "DownloadConnectionRefusedError": "connection refused",
        "DownloadTimeoutError": "timed out",
        "NoRouteError": "no route to host",
        "TimeoutError": "timed out",
        "TCPTimedOutError": "timed out",
    }.get(name, name)


class MenafnSpider(scrapy.Spider):
    name = "menafn"
    site = "menafn"

    def __init__(self, *args, start_urls=None, refresh=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._start_arg = start_urls
        # -a refresh=1: fetch every story again, even those earlier runs handled.
        self._refresh = str(refresh or "").strip().lower() in {"1", "true", "yes", "on"}
        self.bad_start_urls: list[str] = []
        self._claims: dict[str, str] = {}  # story id -> claim token of the request that owns it
        self._yielded: set[str] = set()
        self._entries_pending = 0
        self._entries_ok = 0
        self._entry_failures: Counter[tuple[str, str]] = Counter()
        self._seen = None

    @classmethod
    def update_settings(cls, settings):
        """Enable the backing-off retry middleware in place of Scrapy's, unless settings already chose otherwise."""
        super().update_settings(settings)
        RedisFrontierAddon().update_settings(settings)  # here too, so a -s ADDONS=... cannot drop it
        mws = settings.getdict("DOWNLOADER_MIDDLEWARES")
        if not any(str(k).endswith("RetryAfterMiddleware") or k is RetryAfterMiddleware for k in mws):
            mws[RetryAfterMiddleware] = 550
        if not any(k is RetryMiddleware or str(k).endswith(".retry.RetryMiddleware") for k in mws):
            mws[RetryMiddleware] = None  # one retrying middleware, not two
        # "spider" priority at least: the runner merges its own (default-priority) settings in afterwards.
        priority = max(settings.getpriority("DOWNLOADER_MIDDLEWARES") or 0, SETTINGS_PRIORITIES["spider"])
        settings.set("DOWNLOADER_MIDDLEWARES", mws, priority=priority)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        source = spider._start_arg if spider._start_arg is not None else s.getlist("MENAFN_START_URLS", DEFAULT_START_URLS)
        spider.start_urls, spider.bad_start_urls = parse_start_urls(source)
        spider.allowed_domains = allowed_domains_for(spider.start_urls)
        spider.origin_hosts = [h.lower() for h in s.getlist("MENAFN_ORIGIN_HOSTS", ["menafn.com"])]
        spider.mirror = bool(spider.start_urls) and not any(
            d == h or d.endswith("." + h) for d in spider.allowed_domains for h in spider.origin_hosts
        )
        spider.max_listing_pages = s.getint("MENAFN_MAX_LISTING_PAGES", 50)
        spider.related_depth = s.getint("MENAFN_RELATED_DEPTH", 1)
        spider.skip_handled = s.getbool("NEWSCRAWL_SKIP_HANDLED", True) and not spider._refresh
        crawler.signals.connect(spider._on_request_scheduled, signal=signals.request_scheduled)
        return spider

    # -- entry points ------------------------------------------------------
    async def start(self):
        for value in self.bad_start_urls:
            logger.error("start_urls: %r is not an http(s) URL; ignored", value)
        if not self.start_urls:
            what = ", ".join(repr(v) for v in self.bad_start_urls) or "none given"
            self._fail(f"{self.name}: no usable start URL ({what})")
            return
        self._entries_pending = len(self.start_urls)
        for url in self.start_urls:
            if is_story_url(url):
                request = self._story_request(url, hops=0, entry=True)
                if request is not None:
                    yield request
                else:
                    self._entry_done(ok=True)
                continue
            yield scrapy.Request(url, callback=self.parse, errback=self.entry_failed, dont_filter=True,
                                 meta={"newscrawl_entry": True, "listing_page": 1})

    def _entry_done(self, ok: bool) -> None:
        self._entries_pending -= 1
        self._entries_ok += ok
        if self._entries_pending == 0 and self._entries_ok == 0:
            self._fail(self._unreachable_message())

    def _unreachable_message(self) -> str:
        by_host: dict[str, list[str]] = {}
        for (host, reason), n in self._entry_failures.most_common():
            by_host.setdefault(host, []).append(reason if n == 1 else f"{reason} x{n}")
        where = "; ".join(f"{host} ({', '.join(reasons)})" for host, reasons in by_host.items())
        return f"{self.name}: could not reach {where or 'any start URL'}: none of the {len(self.start_urls)} start URLs could be fetched"

    def _fail(self, message: str) -> None:
        if not self.crawler.stats.get_value(FAILURE_KEY):
            self.crawler.stats.set_value(FAILURE_KEY, message)

    def entry_failed(self, failure):
        request = failure.request
        host = urlsplit(request.url).hostname or request.url
        reason = failure_reason(failure)
        self._entry_failures[(host, reason)] += 1
        self.crawler.stats.inc_value(f"newscrawl/entry_failed/{reason}")
        level = logging.WARNING if self._entry_failures[(host, reason)] == 1 else logging.DEBUG
        logger.log(level, "cannot fetch start URL %s: %s", request.url, reason)
        if request.meta.get("newscrawl_entry"):
            self._entry_done(ok=False)

    # -- listings and feeds ------------------------------------------------
    def parse(self, response, **kwargs):
        """A feed, a listing page or (for story start URLs and redirects) a story."""
        entry = response.meta.get("newscrawl_entry", False)
        if response.status >= 400 or not isinstance(response, TextResponse):
            reason = f"HTTP {response.status}" if response.status >= 400 else "not a text page"
            self.crawler.stats.inc_value(f"newscrawl/listings/failed/{reason}")
            logger.warning("listing %s not usable: %s", response.url, reason)
            if entry:
                self._entry_failures[(urlsplit(response.url).hostname or "", reason)] += 1
                self._entry_done(ok=False)
            return
        if entry:
            self._entry_done(ok=True)
        if is_story_url(response.url) and not is_feed(response):
            yield from self._story(response)
            return
        self.crawler.stats.inc_value("newscrawl/listings/fetched")
        if is_feed(response):
            self.crawler.stats.inc_value("newscrawl/listings/feeds")
            links = [u for u in feed_links(response) if is_story_url(u)]
        else:
            links = story_links(response)
            yield from self._next_listing(response)
        for url in self._on_mirror(links, response):
            request = self._story_request(url, hops=0)
            if request is not None:
                yield request

    def _next_listing(self, response):
        url = next_page(response)
        if not url:
            return
        url = self._on_mirror([url], response)[0]
        page = response.meta.get("listing_page", 1)
        if page >= self.max_listing_pages:
            self.crawler.stats.inc_value("newscrawl/listings/pagination_capped")
            logger.info("pagination stopped at %s (MENAFN_MAX_LISTING_PAGES=%d)", response.url, self.max_listing_pages)
            return
        yield scrapy.Request(url, callback=self.parse, errback=self.listing_failed, meta={"listing_page": page + 1})

    def _on_mirror(self, urls: list[str], response) -> list[str]:
        """On a mirror (no start URL on an origin host), absolute links to the origin point at the mirror."""
        if not self.mirror:
            return urls
        here = urlsplit(response.url)
        out = []
        for url in urls:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            if any(host == h or host.endswith("." + h) for h in self.origin_hosts):
                url = parts._replace(scheme=here.scheme, netloc=here.netloc).geturl()
            out.append(url)
        return out

    def listing_failed(self, failure):
        reason = failure_reason(failure)
        self.crawler.stats.inc_value(f"newscrawl/listings/failed/{reason}")
        logger.warning("listing %s not fetched: %s", failure.request.url, reason)

    # -- stories -------------------------------------------------------------
    def _story_request(self, url: str, hops: int, entry: bool = False):
        """A request for a story not yet claimed in this run nor handled by an earlier one, else None (counted)."""
        stats = self.crawler.stats
        url = canonical_story_url(url)
        key = story_id_from_url(url) or url
        if key in self._claims:
            stats.inc_value("newscrawl/stories/skipped_duplicate")
            return None
        stats.inc_value("newscrawl/stories/discovered")
        self._claims[key] = key
        if self._is_handled(key):
            stats.inc_value("newscrawl/stories/skipped_handled")
            return None
        stats.inc_value("newscrawl/stories/requested")
        meta = {"newscrawl_claim": key, "story_hops": hops}
        if entry:
            meta["newscrawl_entry"] = True
        return scrapy.Request(url, callback=self.parse_story, errback=self.story_failed, meta=meta)

    def _remember_gone(self, response) -> None:
        """A story answering 404/410 is not fetched again by later runs (``-a refresh=1`` does)."""
        key = response.meta.get("newscrawl_claim") or story_id_from_url(response.url)
        seen = self._seen_store()
        if key and seen is not None:
            seen.mark_done([key])

    def _seen_store(self):
        """The story store of earlier runs, or None when skipping is off or the store is unavailable."""
        if not self.skip_handled:
            return None
        if self._seen is None:
            try:
                from newscrawl.state import stores_for
            except ImportError as exc:  # the store package missing or broken: say so once, keep crawling
                logger.warning("state store unavailable (%s); stories from earlier runs are fetched again", exc)
                self.skip_handled = False
                return None
            self._seen = stores_for(self.crawler).seen
        return self._seen

    def _is_handled(self, key: str) -> bool:
        seen = self._seen_store()
        return bool(seen is not None and seen.is_handled(key))

    def _on_request_scheduled(self, request, spider=None):
        """Drop a redirected story request whose final id another request owns or an earlier run handled."""
        token = request.meta.get("newscrawl_claim")
        if token is None or not request.meta.get("redirect_urls"):
            return
        story_id = story_id_from_url(request.url)
        if not story_id or story_id == token:
            return
        owner = self._claims.setdefault(story_id, token)
        if owner != token:
            self.crawler.stats.inc_value("newscrawl/stories/skipped_duplicate")
            raise IgnoreRequest(f"story {story_id} already requested")
        if self._is_handled(story_id):
            self.crawler.stats.inc_value("newscrawl/stories/skipped_handled")
            raise IgnoreRequest(f"story {story_id} handled by an earlier run")

    def parse_story(self, response, **kwargs):
        if response.meta.get("newscrawl_entry"):
            self._entry_done(ok=response.status < 400)
        yield from self._story(response)

    def _story(self, response):
        """The story's Article, or a counted reason why there is none."""
        stats = self.crawler.stats
        stats.inc_value("newscrawl/stories/responses")
        status = response.status
        if status in _GONE:
            stats.inc_value(f"{self.name}/{_GONE[status]}")
            self._remember_gone(response)
            return
        if status == 403:
            stats.inc_value(f"{self.name}/story_403")
            text = response.text[:20000] if isinstance(response, TextResponse) else ""
            if _CHALLENGE_RE.search(text):
                stats.inc_value(f"{self.name}/story_403_challenge")
            return
        if status >= 400:
            stats.inc_value(f"{self.name}/story_{status}")
            return
        if not is_story_url(response.url):
            stats.inc_value(f"{self.name}/story_redirected_away")
            logger.info("story %s redirected to a non-story page %s; skipped", response.request.url, response.url)
            return
        if not isinstance(response, TextResponse):
            stats.inc_value(f"{self.name}/story_not_text")
            logger.warning("story %s is not a text page (%s); skipped", response.url,
                           (response.headers.get(b"Content-Type") or b"?").decode("latin-1"))
            return
        stats.inc_value("newscrawl/stories/fetched")
        article = extract_article(response.url, response.text, http_status=status, site=self.site)
        article.source = self.name
        article.crawled_at = utc_now_iso()
        article.http_status = status
        article.story_id = article.story_id or story_id_from_url(response.request.url)
        key = article.story_id or article.url
        if key in self._yielded:
            stats.inc_value("newscrawl/stories/skipped_duplicate")
            return
        self._yielded.add(key)
        yield article
        hops = response.meta.get("story_hops", 0)
        if hops < self.related_depth:
            for url in self._on_mirror(story_links(response), response):
                request = self._story_request(url, hops=hops + 1)
                if request is not None:
                    yield request

    def story_failed(self, failure):
        request = failure.request
        reason = failure_reason(failure)
        self.crawler.stats.inc_value(f"{self.name}/story_failed/{reason}")
        if isinstance(failure.value, IgnoreRequest) and not getattr(failure.value, "response", None):
            logger.debug("story %s not fetched: %s", request.url, reason)
        else:
            logger.warning("story %s not fetched: %s", request.url, reason)
        if request.meta.get("newscrawl_entry"):
            self._entry_failures[(urlsplit(request.url).hostname or "", reason)] += 1
            self._entry_done(ok=False)
