"""What every news spider shares: entry points, link discovery, claim-once stories, failure reporting.

A spider is a ``NewsSpider`` subclass that says which URLs are stories and
what their id is (``is_story_url``, ``story_id``, ``canonical_url``), which
extractor reads them (``site``) and where to start (``default_start_urls``).
Everything else is here, so MENAFN, the press-release wires and the generic
``wire`` spider behave the same:

- entry points: ``<NAME>_START_URLS`` or ``-a start_urls=URL[,URL...]``; the
  allowed domains follow their hosts (plus ``origin_hosts`` off a mirror). On
  a mirror (no start URL on an origin host), absolute links to an origin host
  are read as links to the mirror, since copied feeds keep them.
- discovery: RSS/RDF/Atom feeds, sitemaps and sitemap indexes (gzipped or
  not), HTML listings with ``rel=next`` / "Next" pagination (at most
  ``<NAME>_MAX_LISTING_PAGES`` listing pages or child sitemaps per entry
  point) and, ``<NAME>_RELATED_DEPTH`` hops deep, story links on story pages.
- each story key (the site's id, else the canonical URL) is requested once
  per run and not at all when an earlier run handled it (``-a refresh=1``
  fetches again); a redirect onto another request's story is dropped. The
  request goes to the link as found: the canonical form is only for identity.
- story pages answering 404/410/403 are counted by kind
  (``<name>/story_404`` ...), never yielded; a 404/410 story is reported to
  the ledger (``story_gone``), which closes it. When no entry point could be
  fetched the spider sets ``newscrawl/failure``, which makes ``scrapy crawl``
  exit 1.

Stats for run health: ``newscrawl/listings/fetched`` (``.../feeds``,
``.../sitemaps``); ``newscrawl/stories/`` ``discovered``, ``skipped_duplicate``,
``skipped_handled``, ``requested``, ``responses`` and ``fetched``.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import datetime, timezone
from typing import ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.settings import SETTINGS_PRIORITIES

from newscrawl.extract import SITES, extract_article
from newscrawl.frontier import RedisFrontierAddon
from newscrawl.ledger import Ledger
from newscrawl.middlewares import RetryAfterMiddleware
from newscrawl.outcome import fail
from newscrawl.signals import story_gone
from newscrawl.spiders.links import feed_links, is_feed, next_page, sitemap_links, sitemap_xml

logger = logging.getLogger(__name__)

_CHALLENGE_RE = re.compile(
    r"just a moment|attention required|cloudflare|cf-challenge|challenge-running|access denied|captcha|"
    r"checking (?:if the site connection is secure|your browser)",
    re.IGNORECASE,
)
_GONE = {404: "story_404", 410: "story_410"}
_TRUE = {"1", "true", "yes", "on"}


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


def _on_host(host: str, hosts) -> bool:
    return any(host == h or host.endswith("." + h) for h in hosts)


class NewsSpider(scrapy.Spider):
    """The shared crawl logic; subclasses name the site and say what a story URL is."""

    name = ""
    site: ClassVar[str | None] = None  # extractor name (newscrawl.extract.SITES); None: by host, else generic
    default_start_urls: ClassVar[tuple[str, ...]] = ()
    default_origin_hosts: ClassVar[tuple[str, ...]] = ()
    default_max_listing_pages: ClassVar[int] = 50
    default_related_depth: ClassVar[int] = 1
    start_urls_are_listings: ClassVar[bool] = False  # True: a start URL is never read as a story

    # -- what a story is (subclasses) ---------------------------------------------
    def is_story_url(self, url: str) -> bool:
        raise NotImplementedError

    def story_id(self, url: str) -> str | None:
        """The site's own id for the story at ``url``, if its URLs carry one."""
        return None

    def canonical_url(self, url: str) -> str:
        return (url or "").strip()

    def story_key(self, url: str) -> str:
        """What identifies a story across runs: its id, else its canonical URL."""
        return self.story_id(url) or self.canonical_url(url)

    def listing_story_links(self, response) -> list[str]:
        """Story URLs linked from an HTML listing (or story) page, in page order."""
        return [u for u in dict.fromkeys(response.urljoin(h.strip()) for h in response.css("a::attr(href)").getall())
                if self.is_story_url(u)]

    # -- setup -------------------------------------------------------------------
    def __init__(self, *args, start_urls=None, refresh=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._start_arg = start_urls
        # -a refresh=1: fetch every story again, even those earlier runs handled.
        self._refresh = str(refresh or "").strip().lower() in _TRUE
        self.bad_start_urls: list[str] = []
        self._claims: dict[str, str] = {}  # story key -> claim token of the request that owns it
        self._yielded: set[str] = set()
        self._entries_pending = 0
        self._entries_ok = 0
        self._entry_failures: Counter[tuple[str, str]] = Counter()

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

    def setting_name(self, suffix: str) -> str:
        return f"{self.name.upper()}_{suffix}"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        source = spider._start_arg
        if source is None:
            source = s.getlist(spider.setting_name("START_URLS"), list(cls.default_start_urls))
        spider.start_urls, spider.bad_start_urls = parse_start_urls(source)
        spider.origin_hosts = [h.lower() for h in s.getlist(spider.setting_name("ORIGIN_HOSTS"),
                                                             list(cls.default_origin_hosts))]
        starts = allowed_domains_for(spider.start_urls)
        spider.mirror = bool(spider.start_urls and spider.origin_hosts) and not any(
            _on_host(d, spider.origin_hosts) for d in starts)
        # Off a mirror, a feed on one host (feed.example.com) may point at stories on another (www.example.com).
        spider.allowed_domains = starts if spider.mirror else list(dict.fromkeys(starts + spider.origin_hosts))
        spider.max_listing_pages = s.getint(spider.setting_name("MAX_LISTING_PAGES"), cls.default_max_listing_pages)
        spider.related_depth = s.getint(spider.setting_name("RELATED_DEPTH"), cls.default_related_depth)
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
            if not self.start_urls_are_listings and self.is_story_url(url):
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
        named = ", ".join(self.start_urls[:10]) + (f" and {len(self.start_urls) - 10} more" if len(self.start_urls) > 10 else "")
        return (f"{self.name}: could not reach {where or 'any start URL'}: none of the {len(self.start_urls)} start URLs "
                f"could be fetched ({named})")

    def _fail(self, message: str) -> None:
        fail(self.crawler, message)

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

    # -- listings, feeds and sitemaps ------------------------------------------------
    def parse(self, response, **kwargs):
        """A feed, a sitemap, a listing page or (for story start URLs and redirects) a story."""
        entry = response.meta.get("newscrawl_entry", False)
        xml = sitemap_xml(response) if response.status < 400 else None
        if response.status >= 400 or (xml is None and not isinstance(response, TextResponse)):
            reason = f"HTTP {response.status}" if response.status >= 400 else "not a text page"
            self.crawler.stats.inc_value(f"newscrawl/listings/failed/{reason}")
            logger.warning("listing %s not usable: %s", response.url, reason)
            if entry:
                self._entry_failures[(urlsplit(response.url).hostname or "", reason)] += 1
                self._entry_done(ok=False)
            return
        if entry:
            self._entry_done(ok=True)
        if xml is not None:
            yield from self._sitemap(response, xml)
            return
        feed = is_feed(response)
        if not feed and not self.start_urls_are_listings and self.is_story_url(response.url):
            yield from self._story(response)
            return
        self.crawler.stats.inc_value("newscrawl/listings/fetched")
        if feed:
            self.crawler.stats.inc_value("newscrawl/listings/feeds")
            links = [u for u in self._on_mirror(feed_links(response), response) if self.is_feed_story(u)]
        else:
            links = self._on_mirror(self.listing_story_links(response), response)
            yield from self._next_listing(response)
        for url in links:
            request = self._story_request(url, hops=0)
            if request is not None:
                yield request

    def is_feed_story(self, url: str) -> bool:
        """Whether a feed or sitemap entry is a story (feeds list stories, so the generic spider takes all)."""
        return self.is_story_url(url)

    def _sitemap(self, response, xml: bytes):
        stats = self.crawler.stats
        stats.inc_value("newscrawl/listings/fetched")
        stats.inc_value("newscrawl/listings/sitemaps")
        pages, children = sitemap_links(response, xml)
        page = response.meta.get("listing_page", 1)
        for url in self._on_mirror(children, response):
            if page >= self.max_listing_pages:
                stats.inc_value("newscrawl/listings/pagination_capped")
                logger.info("sitemap index %s: stopped at %d sitemaps (%s)", response.url, page,
                            self.setting_name("MAX_LISTING_PAGES"))
                break
            page += 1
            yield scrapy.Request(url, callback=self.parse, errback=self.listing_failed, meta={"listing_page": page})
        for url in self._on_mirror(pages, response):
            if self.is_feed_story(url):
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
            logger.info("pagination stopped at %s (%s=%d)", response.url, self.setting_name("MAX_LISTING_PAGES"),
                        self.max_listing_pages)
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
            if _on_host((parts.hostname or "").lower(), self.origin_hosts):
                url = parts._replace(scheme=here.scheme, netloc=here.netloc).geturl()
            out.append(url)
        return out

    def listing_failed(self, failure):
        reason = failure_reason(failure)
        self.crawler.stats.inc_value(f"newscrawl/listings/failed/{reason}")
        logger.warning("listing %s not fetched: %s", failure.request.url, reason)

    # -- stories -------------------------------------------------------------
    def _story_request(self, url: str, hops: int, entry: bool = False):
        """A request for a story not yet claimed in this run nor handled by an earlier one, else None (counted).

        The request goes to ``url`` as the page linked it; only the story's key is canonical."""
        stats = self.crawler.stats
        key = self.story_key(url)
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
        """A story answering 404/410 is closed by the ledger: not fetched again by later runs (``-a refresh=1`` does)."""
        key = response.meta.get("newscrawl_claim") or self.story_key(response.url)
        if key:
            self.crawler.signals.send_catch_log(signal=story_gone, key=key, url=response.url, status=response.status)

    def _is_handled(self, key: str) -> bool:
        """Whether an earlier run handled the story (or another run is delivering it)."""
        if not self.skip_handled:
            return False
        ledger = self.crawler.get_extension(Ledger)
        return ledger is not None and ledger.is_handled(key)

    def _on_request_scheduled(self, request, spider=None):
        """Drop a redirected story request whose final story another request owns or an earlier run handled."""
        token = request.meta.get("newscrawl_claim")
        if token is None or not request.meta.get("redirect_urls") or not self.is_story_url(request.url):
            return
        key = self.story_key(request.url)
        if not key or key == token:
            return
        owner = self._claims.setdefault(key, token)
        if owner != token:
            self.crawler.stats.inc_value("newscrawl/stories/skipped_duplicate")
            raise IgnoreRequest(f"story {key} already requested")
        if self._is_handled(key):
            self.crawler.stats.inc_value("newscrawl/stories/skipped_handled")
            raise IgnoreRequest(f"story {key} handled by an earlier run")

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
        if response.meta.get("redirect_urls") and not self.is_story_url(response.url):
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
        article.url = self.canonical_url(article.url)
        article.source = self.name
        article.crawled_at = utc_now_iso()
        article.http_status = status
        # The story's key, never null: the site's id (from the page or the request), else the canonical URL.
        article.story_id = (article.story_id or self.story_id(response.request.url)
                            or response.meta.get("newscrawl_claim") or article.url)
        key = article.story_id
        if key in self._yielded:
            stats.inc_value("newscrawl/stories/skipped_duplicate")
            return
        self._yielded.add(key)
        yield article
        hops = response.meta.get("story_hops", 0)
        if hops < self.related_depth:
            for url in self._on_mirror(self.listing_story_links(response), response):
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


class WireSpider(NewsSpider):
    """A press-release wire: what a story URL is, its id and canonical form come from its ``WireSite``.

    Wires publish complete feeds and sitemaps, so story pages' "more news"
    links are not followed unless ``<NAME>_RELATED_DEPTH`` asks for it.
    """

    default_related_depth = 0

    @property
    def wire(self):
        return SITES[self.site]

    def is_story_url(self, url: str) -> bool:
        return self.wire.is_story_url(url)

    def story_id(self, url: str) -> str | None:
        return self.wire.story_id_from_url(url)

    def canonical_url(self, url: str) -> str:
        return self.wire.canonical_url(url)
