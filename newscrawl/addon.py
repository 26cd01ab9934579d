"""newscrawl's defaults, declared once: a Scrapy add-on.

``NewscrawlAddon`` sets every setting newscrawl reads, and enables its
components, at the add-on priority: below the project's own settings module
and ``-s``, so any of them can be overridden, and components read them without
fallbacks of their own. The project settings (``newscrawl/settings.py``) only
enable it; a ``CrawlerProcess`` user does the same::

    from scrapy.crawler import CrawlerProcess
    from newscrawl.addon import NewscrawlAddon

    process = CrawlerProcess({"ADDONS": {NewscrawlAddon: 0}, "SPIDER_MODULES": ["newscrawl.spiders"]})

Paths that follow the data directory (feeds, rejects, state, runs) are worked
out when the add-on runs, from ``NEWSCRAWL_DATA_DIR`` or the project's root
(``newscrawl.paths``); each site's spider settings
(``<SPIDER>_START_URLS``, ``_ORIGIN_HOSTS``, ``_MAX_LISTING_PAGES``,
``_RELATED_DEPTH``) come from its module in ``newscrawl/sites/``.
"""

from __future__ import annotations

import os
from typing import Any

from newscrawl.items import EXPORT_FIELDS
from newscrawl.paths import data_dir
from newscrawl.sites import SITES
from newscrawl.steps import DEFAULT_STEPS

CONTACT_URL = "https://github.com/newscrawl/newscrawl#contact"


def defaults() -> dict[str, Any]:
    """Every setting's default, data-directory paths included (read now)."""
    data = data_dir()
    return {
        # -- politeness --------------------------------------------------------------------
        "NEWSCRAWL_CONTACT_URL": CONTACT_URL,
        "USER_AGENT": f"newscrawl/0.1 (+{CONTACT_URL})",
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "DOWNLOAD_TIMEOUT": 30,
        "DNS_TIMEOUT": 10,
        # No code-execution endpoints in a scheduled crawler: Scrapy's telnet console and its HTTP remote
        # control (on by default since 2.19) are opt-in here (-s TELNETCONSOLE_ENABLED=1 ...).
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        # Retries with backoff for throttling and server errors, honouring Retry-After
        # (newscrawl.middlewares.RetryAfterMiddleware replaces Scrapy's RetryMiddleware).
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 3,
        "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
        "NEWSCRAWL_RETRY_BACKOFF_BASE": 1.0,  # seconds; doubled per attempt
        "NEWSCRAWL_RETRY_BACKOFF_MAX": 60.0,  # cap for backoff and for Retry-After
        # Size limits: a capped response is dropped and counted, never half-parsed.
        "DOWNLOAD_MAXSIZE": 16 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 4 * 1024 * 1024,
        # 404/410/403 reach the spider so it can count them by kind (never exported).
        "HTTPERROR_ALLOWED_CODES": [403, 404, 410],
        "LOG_LEVEL": "INFO",
        "LOG_FORMATTER": "newscrawl.logformatter.NewscrawlLogFormatter",  # a drop names the story and why, not the item
        # -- feeds: %(time)s is the run's id (newscrawl.ledger.feed_uri_params) -------------
        "FEED_EXPORT_ENCODING": "utf-8",
        "FEED_EXPORT_FIELDS": EXPORT_FIELDS,
        "FEED_URI_PARAMS": "newscrawl.ledger.feed_uri_params",
        "FEED_STORE_EMPTY": False,  # a run with nothing new leaves no empty feed file
        "FEEDS": {str(data / "feeds" / "%(name)s" / "%(time)s.jsonl"): {
            "format": "jsonlines", "encoding": "utf-8", "fields": EXPORT_FIELDS}},
        "NEWSCRAWL_REJECTS_URI": str(data / "rejects" / "%(name)s" / "%(time)s.jsonl"),
        # -- cleaning (newscrawl/steps.py, newscrawl/pipeline.py) ---------------------------
        "NEWSCRAWL_STEPS": list(DEFAULT_STEPS),
        "NEWSCRAWL_EXTRA_RULES": {},  # {source: {field: [patterns]}}, see newscrawl/cleaning/rules.py
        # Processes that prepare stories beside the crawl (0: in the crawl's own process): one
        # keeps a 2-core machine's second core busy; the crawl itself uses one.
        "NEWSCRAWL_CLEANING_WORKERS": 1,
        "NEWSCRAWL_CLEANING_BATCH": 16,  # stories handed to a worker at once...
        "NEWSCRAWL_CLEANING_BATCH_WAIT": 0.02,  # ...or after this many seconds
        # -- bounded work per input (issue 16; newscrawl/cleaning/chain.py Caps, newscrawl/pipeline.py) ---
        # A story page over this is not downloaded (the largest of the article-extraction benchmark's
        # 181 real pages is 1.5 MB); the chain also reads at most this many characters of its HTML.
        "NEWSCRAWL_STORY_MAXSIZE": 4 * 1024 * 1024,
        # Extraction reads a story page up to this many elements: its cost and memory grow with them
        # (real pages: 1,737 at most; 1 MB of tiny paragraphs took 10 s and 480 MB).
        "NEWSCRAWL_STORY_MAX_ELEMENTS": 10_000,
        "NEWSCRAWL_STORY_MAX_PARAGRAPHS": 5_000,  # past it a story is cut, counted (real ones: 254 at most)
        "NEWSCRAWL_STORY_MAX_WORDS": 100_000,  # ...and past this many words (real ones: 7,963 at most)
        # Seconds a story's extraction, then its cleaning, may take off the reactor; past it the work is
        # stopped and the story dropped as too_costly (real pages take 10-500 ms; 0: no budget).
        "NEWSCRAWL_STORY_TIME_BUDGET": 10.0,
        # Links read from one listing, feed or sitemap document (a news sitemap holds 1,000 at most).
        "NEWSCRAWL_LISTING_MAX_LINKS": 10_000,
        # Start-up objects frozen out of garbage collection, young collections every 10,000
        # allocations instead of 700 (newscrawl/gc_tuning.py): about a tenth of the crawl's CPU.
        "NEWSCRAWL_GC_FREEZE": True,
        "NEWSCRAWL_GC_THRESHOLD": 10_000,
        # -- state that outlives a run (newscrawl/ledger.py, newscrawl/delivery.py) ---------
        "NEWSCRAWL_STATE_DIR": str(data / "state"),
        "NEWSCRAWL_RUNS_DIR": str(data / "runs"),
        "NEWSCRAWL_SKIP_HANDLED": True,  # -a refresh=1 or -s NEWSCRAWL_SKIP_HANDLED=0: everything again
        "NEWSCRAWL_STATE_LOCK_TIMEOUT": 30.0,  # seconds a write waits for another process holding SQLite
        "NEWSCRAWL_STATE_LOCK_WAIT": 0.0,  # seconds a run waits for another run of its spider
        # Handled stories and index entries are forgotten this long after they were handled (not
        # published): a syndicated copy a year after its original is still caught (README: the cost).
        "NEWSCRAWL_STATE_RETENTION_DAYS": 365.0,
        "NEWSCRAWL_STATE_CHECK_INTERVAL": 10.0,  # seconds between store checks (and heartbeats)
        # -- run health: the run exits non-zero when it looks broken -------------------------
        "NEWSCRAWL_HEALTH_MIN_PAGES": 10,  # judge shares only above this many story pages
        "NEWSCRAWL_HEALTH_MIN_EMPTY_FETCHES": 3,  # new story pages fetched with none exported: broken
        "NEWSCRAWL_HEALTH_MAX_BLOCKED_SHARE": 0.5,
        "NEWSCRAWL_HEALTH_MAX_GENERIC_SHARE": 0.5,
        # -- many workers (newscrawl/frontier.py) --------------------------------------------
        "NEWSCRAWL_REDIS_URL": os.environ.get("NEWSCRAWL_REDIS_URL") or None,
        "NEWSCRAWL_REDIS_DUPEFILTER_TTL": 600,  # seconds a crawl's request fingerprints outlive it
        "NEWSCRAWL_REDIS_HEARTBEAT_TTL": 30,  # a worker silent this long is no longer part of the crawl
        "NEWSCRAWL_REDIS_MAX_IDLE": 10.0,  # seconds a worker waits on an empty shared queue
        # -- reliability and safety (newscrawl/middlewares.py, newscrawl/safety.py) ----------
        # Requests to private, loopback or link-local addresses and non-http(s) URLs are refused
        # (the start URLs' hosts, and these, are exempt: mirrors and loopback test servers work).
        "NEWSCRAWL_REFUSE_PRIVATE_ADDRESSES": True,
        "NEWSCRAWL_TRUSTED_HOSTS": [],
        # A host answering this many responses in a row with these statuses stops the run.
        "NEWSCRAWL_BLOCKED_STREAK": 20,  # 0 disables
        "NEWSCRAWL_BLOCKED_CODES": [403, 429],
        # -- archiving the crawl (newscrawl/archives/component.py) ---------------------------
        # Every fetched response, with its request, into <NEWSCRAWL_WARC_DIR>/<spider>/<run>.warc.gz:
        # on with NEWSCRAWL_WARC=1 (setting or environment) or any NEWSCRAWL_WARC_DIR of your own.
        "NEWSCRAWL_WARC": os.environ.get("NEWSCRAWL_WARC", "").strip().lower() in ("1", "true", "yes", "on"),
        "NEWSCRAWL_WARC_DIR": str(data / "warc"),
        "NEWSCRAWL_WARC_MAX_BYTES": 1024 ** 3,  # a file past this is closed; the run goes on in <run>-1.warc.gz
    }


def site_settings() -> dict[str, Any]:
    """``<SPIDER>_START_URLS`` and friends, for each site with a spider, from its module."""
    out: dict[str, Any] = {}
    for site in SITES.values():
        if site.spider:
            prefix = site.spider.upper()
            out[f"{prefix}_START_URLS"] = list(site.entry_points)  # -a start_urls=... replaces them
            out[f"{prefix}_ORIGIN_HOSTS"] = list(site.origin_hosts)  # absolute links a mirror keeps
            out[f"{prefix}_MAX_LISTING_PAGES"] = site.max_listing_pages  # listing pages / sitemaps per entry
            out[f"{prefix}_RELATED_DEPTH"] = site.related_depth  # hops of story links from story pages
    return out


REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"

COMPONENTS: dict[str, dict[str, int | None]] = {
    "ITEM_PIPELINES": {
        "newscrawl.ledger.LedgerPipeline": 10,  # claims a story first: one another run delivers goes no further
        "newscrawl.pipeline.CleaningPipeline": 100,  # NEWSCRAWL_STEPS
    },
    "EXTENSIONS": {
        "newscrawl.gc_tuning.GcTuning": 0,
        "newscrawl.ledger.Ledger": 510,  # every story's state: claims, deliveries, rejects, recovery
        "newscrawl.extensions.RunSummary": 520,
    },
    "DOWNLOADER_MIDDLEWARES": {
        "newscrawl.middlewares.RedirectOffsiteMiddleware": 51,  # the offsite check for redirects of start requests
        "newscrawl.middlewares.PrivateAddressMiddleware": 55,  # after OffsiteMiddleware (50), before robots.txt
        "newscrawl.middlewares.RetryAfterMiddleware": 550,  # in place of Scrapy's RetryMiddleware
        "newscrawl.middlewares.BlockedHostBreaker": 560,  # sees each raw answer, retries included
        "newscrawl.middlewares.ResponseSniffMiddleware": 580,  # after decompression (590): binary, charsets
        "newscrawl.middlewares.RedirectLoopMiddleware": 650,  # before RedirectMiddleware (600) follows a loop
        "newscrawl.archives.component.WarcArchiveMiddleware": 890,  # answers as they come off the wire (NEWSCRAWL_WARC)
    },
    # Feeds written unbuffered, so a killed run loses no exported line (newscrawl/feeds.py).
    "FEED_STORAGES": {"": "newscrawl.feeds.DurableFileFeedStorage", "file": "newscrawl.feeds.DurableFileFeedStorage"},
}


class NewscrawlAddon:
    """Declares newscrawl's settings and components (see the module docstring)."""

    def update_settings(self, settings) -> None:
        from scrapy.utils.misc import load_object

        for name, value in {**defaults(), **site_settings()}.items():
            settings.set(name, value, priority="addon")
        for name, components in COMPONENTS.items():
            if name == "FEED_STORAGES":
                storages = settings.getdict(name)
                for scheme, path in components.items():
                    storages.setdefault(scheme, path)
                settings.set(name, storages, priority=settings.getpriority(name) or 0)
                continue
            for path, order in components.items():
                settings.setdefault_in_component_priority_dict(name, load_object(path), order)
        base = settings.getdict("EXTENSIONS_BASE")
        if not settings.getbool("REMOTE_CONTROL_ENABLED") and REMOTE_CONTROL in base:
            # Off, so not even imported: it imports aiohttp, 0.1 s of every crawl's start-up. (A key set
            # to None in EXTENSIONS is still imported, to be compared: it leaves the base list instead.)
            del base[REMOTE_CONTROL]
            settings.set("EXTENSIONS_BASE", base, priority=settings.getpriority("EXTENSIONS_BASE") or 0)
        retry = load_object("scrapy.downloadermiddlewares.retry.RetryMiddleware")
        if retry not in {load_object(k) for k, v in settings.getdict("DOWNLOADER_MIDDLEWARES").items() if v}:
            settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", retry, None)  # one retrying middleware
        if settings.get("NEWSCRAWL_REDIS_URL"):  # redis and scrapy-redis are imported only then
            from newscrawl.frontier import RedisFrontierAddon

            RedisFrontierAddon().update_settings(settings)
