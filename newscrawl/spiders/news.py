"""The news spider: entry points, link discovery, claim-once stories, failure reporting, for any site.

A spider is a ``NewsSpider`` with a ``site`` (``newscrawl/sites/``): the site
says which URLs are stories, their id and canonical form, where to start and
how to read a page; ``newscrawl/spiders/sites.py`` builds one spider class per
site. Everything else is here, so MENAFN, the press-release wires and the
generic ``wire`` spider behave the same:

- entry points: ``<NAME>_START_URLS`` or ``-a start_urls=URL[,URL...]``; the
  allowed domains follow their hosts (plus ``origin_hosts`` off a mirror). On
  a mirror (no start URL on an origin host), absolute links to an origin host
  are read as links to the mirror, since copied feeds keep them.
- discovery: RSS/RDF/Atom feeds, sitemaps and sitemap indexes (gzipped or
  not), HTML listings with ``rel=next`` / "Next" pagination and,
  ``<NAME>_RELATED_DEPTH`` hops deep, story links on story pages. Each entry
  point fetches at most ``<NAME>_MAX_LISTING_PAGES`` documents (itself, its
  next pages, its child sitemaps and theirs, nested or not), and each document
  gives at most ``NEWSCRAWL_LISTING_MAX_LINKS`` links; past a cap the rest is
  counted (``newscrawl/listings/pagination_capped``, ``.../links_capped``).
- a story page is downloaded up to ``NEWSCRAWL_STORY_MAXSIZE`` bytes
  (``newscrawl/stories/too_large`` past it) and read up to its
  ``NEWSCRAWL_STORY_MAX_ELEMENTS``-th element; its extraction runs off the
  reactor, in the cleaning pipeline's worker (``CleaningPipeline.extract``),
  within ``NEWSCRAWL_STORY_TIME_BUDGET`` (past it the story is dropped as
  ``too_costly``), so one heavy page never stops the crawl fetching.
- each story key (the site's id, else the canonical URL) is requested once
  per run and not at all when an earlier run handled it (``-a refresh=1``
  fetches again); a redirect onto another request's story is dropped. The
  request goes to the link as found: the canonical form is only for identity.
- a story page served cut off in mid-document (``extract.cut_off``) is fetched
  again once; cut off again, it is exported with ``truncated: true`` unless a
  copy of the story was delivered before, and a later complete copy says which
  truncated one it ``replaces`` (the rule: ``newscrawl.delivery``).
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
from collections import Counter
from datetime import datetime, timezone
from typing import ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import TextResponse

from newscrawl.cleaning.chain import Caps
from newscrawl.cleaning.shells import Evidence, html_evidence
from newscrawl.cleaning.workers import OverBudget
from newscrawl.delivery import truncated_key
from newscrawl.extraction import cut_off, extract_article
from newscrawl.items import Article
from newscrawl.ledger import Ledger
from newscrawl.outcome import fail
from newscrawl.signals import story_gone
from newscrawl.sites import GENERIC, Site, cleaning_rules, site_for
from newscrawl.spiders.discovery import feed_links, is_feed, next_page, sitemap_links, sitemap_xml, story_links

logger = logging.getLogger(__name__)

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
    """The crawl of one site (``site``); ``newscrawl.spiders.sites`` makes a subclass per site."""

    name = ""
    site: ClassVar[Site] = GENERIC

    @classmethod
    def handles_request(cls, request) -> bool:
        """``scrapy parse`` / ``shell`` without ``--spider``: the site serving the URL's host."""
        return cls.site.serves(urlsplit(request.url).hostname or "")

    # -- what a story is: the site's -------------------------------------------------
    @property
    def start_urls_are_listings(self) -> bool:
        return self.site.start_urls_are_listings

    def is_story_url(self, url: str) -> bool:
        return self.site.is_story_url(url)

    def story_id(self, url: str) -> str | None:
        """The story's id from its URL: the site's, or (on the generic spider) the known site's of its host."""
        return self.site_of(url).story_id_from_url(url)

    def canonical_url(self, url: str) -> str:
        return self.site_of(url).canonical_url(url)

    def story_key(self, url: str) -> str:
        """What identifies a story across runs: its id, else its canonical URL."""
        return self.site_of(url).story_key(url)

    def site_of(self, url: str) -> Site:
        """The site a page belongs to: this spider's, or, for the generic spider, the one serving its host."""
        if self.site is not GENERIC:
            return self.site
        return site_for(url)

    def listing_story_links(self, response) -> list[str]:
        """Story URLs linked from an HTML listing (or story) page, in page order, read from its first
        ``NEWSCRAWL_LISTING_MAX_LINKS`` links."""
        return self._read(story_links(response, self.site, self.max_links), response)

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
        self._documents: Counter[str] = Counter()  # entry point -> listing documents requested for it

    def setting_name(self, suffix: str) -> str:
        return f"{self.name.upper()}_{suffix}"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Scrapy applies add-ons (newscrawl's settings) after it builds the spider: the spider reads
        # its settings when it opens, before any other component does (its handler is connected first).
        crawler.signals.connect(spider._configure, signal=signals.spider_opened)
        crawler.signals.connect(spider._on_request_scheduled, signal=signals.request_scheduled)
        return spider

    def _configure(self, spider=None) -> None:
        s = self.crawler.settings
        source = self._start_arg
        if source is None:
            source = s.getlist(self.setting_name("START_URLS"))
        self.start_urls, self.bad_start_urls = parse_start_urls(source)
        self.origin_hosts = [h.lower() for h in s.getlist(self.setting_name("ORIGIN_HOSTS"))]
        starts = allowed_domains_for(self.start_urls)
        self.mirror = bool(self.start_urls and self.origin_hosts) and not any(
            _on_host(d, self.origin_hosts) for d in starts)
        # Off a mirror, a feed on one host (feed.example.com) may point at stories on another (www.example.com).
        self.allowed_domains = starts if self.mirror else list(dict.fromkeys(starts + self.origin_hosts))
        self.max_listing_pages = s.getint(self.setting_name("MAX_LISTING_PAGES"))
        self.max_links = s.getint("NEWSCRAWL_LISTING_MAX_LINKS")
        self.story_maxsize = s.getint("NEWSCRAWL_STORY_MAXSIZE")
        self.caps = Caps(elements=s.getint("NEWSCRAWL_STORY_MAX_ELEMENTS"))
        self.related_depth = s.getint(self.setting_name("RELATED_DEPTH"))
        self.skip_handled = s.getbool("NEWSCRAWL_SKIP_HANDLED") and not self._refresh

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
            self._documents[url] += 1
            yield scrapy.Request(url, callback=self.parse, errback=self.entry_failed, dont_filter=True,
                                 meta={"newscrawl_entry": True, "newscrawl_entry_point": url})

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
    async def parse(self, response, **kwargs):
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
            for request in self._sitemap(response, xml):
                yield request
            return
        feed = is_feed(response)
        if not feed and not self.start_urls_are_listings and self.is_story_url(response.url):
            async for output in self._story(response):
                yield output
            return
        self.crawler.stats.inc_value("newscrawl/listings/fetched")
        if feed:
            self.crawler.stats.inc_value("newscrawl/listings/feeds")
            found = self._read(feed_links(response, self.max_links), response)
            links = [u for u in self._on_mirror(found, response) if self.is_feed_story(u)]
        else:
            links = self._on_mirror(self.listing_story_links(response), response)
            for request in self._next_listing(response):
                yield request
        for url in links:
            request = self._story_request(url, hops=0)
            if request is not None:
                yield request

    def is_feed_story(self, url: str) -> bool:
        """Whether a feed or sitemap entry is a story (the site says: the generic one takes all)."""
        return self.site.is_feed_story(url)

    def _read(self, links, response):
        """``links`` of one document, counted when the document held more than were read."""
        if getattr(links, "capped", False):
            self.crawler.stats.inc_value("newscrawl/listings/links_capped")
            logger.info("%s: links past the first %d not read (NEWSCRAWL_LISTING_MAX_LINKS)", response.url,
                        self.max_links)
        return links

    def _listing_request(self, url: str, response):
        """The request for a next page or child sitemap of ``response``'s entry point, or None once that entry
        point has requested ``<NAME>_MAX_LISTING_PAGES`` documents (itself included), nested or not."""
        entry = response.meta.get("newscrawl_entry_point") or response.url
        if self._documents[entry] >= self.max_listing_pages:
            self.crawler.stats.inc_value("newscrawl/listings/pagination_capped")
            logger.info("%s: stopped at %d documents for entry point %s (%s)", response.url, self._documents[entry],
                        entry, self.setting_name("MAX_LISTING_PAGES"))
            return None
        self._documents[entry] += 1
        return scrapy.Request(url, callback=self.parse, errback=self.listing_failed,
                              meta={"newscrawl_entry_point": entry})

    def _sitemap(self, response, xml: bytes):
        stats = self.crawler.stats
        stats.inc_value("newscrawl/listings/fetched")
        stats.inc_value("newscrawl/listings/sitemaps")
        pages, children = (self._read(links, response) for links in sitemap_links(response, xml, self.max_links))
        for url in self._on_mirror(children, response):
            request = self._listing_request(url, response)
            if request is None:
                break
            yield request
        for url in self._on_mirror(pages, response):
            if self.is_feed_story(url):
                request = self._story_request(url, hops=0)
                if request is not None:
                    yield request

    def _next_listing(self, response):
        url = next_page(response)
        if not url:
            return
        request = self._listing_request(self._on_mirror([url], response)[0], response)
        if request is not None:
            yield request

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
        meta = {"newscrawl_claim": key, "story_hops": hops, "download_maxsize": self.story_maxsize}
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

    async def parse_story(self, response, **kwargs):
        if response.meta.get("newscrawl_entry"):
            self._entry_done(ok=response.status < 400)
        async for output in self._story(response):
            yield output

    async def _extract(self, response, status: int) -> Article:
        """The page's Article, extracted off the reactor within the story's budget (in the process, when the
        cleaning pipeline is not enabled); a page over budget gives an empty one saying so (``too_costly``)."""
        from newscrawl.pipeline import CleaningPipeline

        site = self.site_of(response.url)
        html, left_out = self.caps.cut_page(response.text)
        if left_out:
            self.crawler.stats.inc_value("newscrawl/capped/elements")
            logger.info("story %s cut at the caps (NEWSCRAWL_STORY_MAX_ELEMENTS): %d elements left out", response.url,
                        left_out)
        work = self.crawler.get_item_pipeline(CleaningPipeline)
        if work is None:
            return extract_article(response.url, html, http_status=status, site=site)
        article = await work.extract(response.url, html, http_status=status, site=site)
        if isinstance(article, OverBudget):
            self.crawler.stats.inc_value("newscrawl/stories/too_costly")
            article = Article(url=site.canonical_url(response.url), too_costly=article.describe())
        return article

    async def _story(self, response):
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
            if isinstance(response, TextResponse) and self._is_challenge(response):
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
        article = await self._extract(response, status)
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
        if article.too_costly is None and cut_off(response.text, article.body):
            if not response.meta.get("newscrawl_cut_off"):
                stats.inc_value("newscrawl/stories/cut_off_retried")
                logger.info("story %s was served cut off; fetched again once", response.url)
                yield self._again(response)
                return
            article = self._cut_off_twice(article, key)
        elif self._ledger_knows(truncated_key(key)):
            article.replaces = key  # the complete copy of a story delivered truncated
        if article is not None:
            self._yielded.add(key)
            yield article
        hops = response.meta.get("story_hops", 0)
        if hops < self.related_depth:
            for url in self._on_mirror(self.listing_story_links(response), response):
                request = self._story_request(url, hops=hops + 1)
                if request is not None:
                    yield request

    def _again(self, response) -> scrapy.Request:
        """The story's request once more, for a page served cut off."""
        kept = ("newscrawl_claim", "story_hops", "download_maxsize")
        meta = {k: v for k, v in response.request.meta.items() if k in kept}
        return scrapy.Request(response.request.url, callback=self.parse_story, errback=self.story_failed,
                              dont_filter=True, meta={**meta, "newscrawl_cut_off": True})

    def _cut_off_twice(self, article: Article, key: str) -> Article | None:
        """A page cut off again: exported with ``truncated: true`` when no copy of the story is known, else not."""
        stats = self.crawler.stats
        if self._ledger_knows(key) or self._ledger_knows(truncated_key(key)):
            stats.inc_value("newscrawl/stories/cut_off_known")
            logger.info("story %s was served cut off again; a copy was delivered before, so not this one", article.url)
            return None
        stats.inc_value("newscrawl/stories/truncated")
        logger.warning("story %s was served cut off twice; exported with truncated: true", article.url)
        article.truncated = True
        return article

    def _ledger_knows(self, key: str) -> bool:
        """Whether the ledger holds ``key`` (delivered, or being delivered), whatever ``-a refresh`` says."""
        ledger = self.crawler.get_extension(Ledger)
        return ledger is not None and ledger.is_handled(key)

    def _is_challenge(self, response: TextResponse) -> bool:
        """A bot challenge, by the blocked-page rules the shell step uses (its title, its markup)."""
        evidence = Evidence()
        html_evidence(response.text[:200_000], cleaning_rules().for_source(self.site_of(response.url).name), evidence)
        return bool(evidence.blocked)

    def story_failed(self, failure):
        request = failure.request
        reason = failure_reason(failure)
        self.crawler.stats.inc_value(f"{self.name}/story_failed/{reason}")
        if isinstance(failure.value, DownloadCancelledError) and "max size" in str(failure.value):
            self.crawler.stats.inc_value("newscrawl/stories/too_large")
        if isinstance(failure.value, IgnoreRequest) and not getattr(failure.value, "response", None):
            logger.debug("story %s not fetched: %s", request.url, reason)
        else:
            logger.warning("story %s not fetched: %s", request.url, reason)
        if request.meta.get("newscrawl_entry"):
            self._entry_failures[(urlsplit(request.url).hostname or "", reason)] += 1
            self._entry_done(ok=False)
