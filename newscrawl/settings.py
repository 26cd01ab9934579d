"""Scrapy settings for newscrawl.

Project-wide defaults: polite crawling, JSONL feeds under the data directory,
the cleaning pipelines in order, and the stores that outlive a run. Every
``NEWSCRAWL_*`` setting can be overridden with ``-s NAME=VALUE``.
"""

from newscrawl.items import EXPORT_FIELDS
from newscrawl.paths import data_dir

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
COMMANDS_MODULE = "newscrawl.commands"

# --- Politeness -----------------------------------------------------------
NEWSCRAWL_CONTACT_URL = "https://github.com/newscrawl/newscrawl#contact"
USER_AGENT = f"newscrawl/0.1 (+{NEWSCRAWL_CONTACT_URL})"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 10

# Retries with backoff for throttling and server errors, honouring Retry-After
# (newscrawl.middlewares.RetryAfterMiddleware replaces Scrapy's RetryMiddleware).
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawl.middlewares.RetryAfterMiddleware": 550,
}
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
NEWSCRAWL_RETRY_BACKOFF_BASE = 1.0  # seconds; doubled per attempt
NEWSCRAWL_RETRY_BACKOFF_MAX = 60.0  # cap for backoff and for Retry-After

# Size limits: a capped response is dropped and counted, never half-parsed.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024

# 404/410/403 reach the spider so it can count them by kind (never exported).
HTTPERROR_ALLOWED_CODES = [403, 404, 410]

# --- What the menafn spider crawls -------------------------------------------------
# Entry points (replaced by -a start_urls=URL[,URL...]): RSS feeds named in public
# feed lists (unverified from here) and the home page's listings.
MENAFN_START_URLS = [
    "https://menafn.com/rss/rss.aspx",
    "https://menafn.com/rss/menafn_sa.xml",
    "https://menafn.com/rss/menafn_energy.xml",
    "https://menafn.com/Rss/RssFeeds.aspx?section=UAE",
    "https://menafn.com/",
]
MENAFN_MAX_LISTING_PAGES = 50  # pagination bound per entry point
MENAFN_RELATED_DEPTH = 1  # hops of story links followed from story pages
MENAFN_ORIGIN_HOSTS = ["menafn.com"]  # absolute links to these hosts stay on a mirror's host

# --- Feeds ----------------------------------------------------------------
# %(time)s is the run's id (start time plus a random suffix, newscrawl.ledger.feed_uri_params):
# the feed, rejects file and summary of one run share it, and two runs never do.
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = EXPORT_FIELDS
FEED_URI_PARAMS = "newscrawl.ledger.feed_uri_params"
FEED_STORE_EMPTY = False  # a run with nothing new leaves no empty feed file
FEEDS = {
    str(data_dir() / "feeds" / "%(name)s" / "%(time)s.jsonl"): {
        "format": "jsonlines",
        "encoding": "utf-8",
        "fields": EXPORT_FIELDS,
    },
}
# Rejected items (with reason and what matched) go here; see newscrawl/ledger.py.
NEWSCRAWL_REJECTS_URI = str(data_dir() / "rejects" / "%(name)s" / "%(time)s.jsonl")

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
LOG_FORMATTER = "newscrawl.logformatter.NewscrawlLogFormatter"  # drops name the story and why, never the whole item

# Feeds are written unbuffered so a killed run loses no exported line (see feeds.py).
FEED_STORAGES = {
    "": "newscrawl.feeds.DurableFileFeedStorage",
    "file": "newscrawl.feeds.DurableFileFeedStorage",
}

# --- Cleaning pipelines, in order --------------------------------------------
ITEM_PIPELINES = {
    "newscrawl.ledger.LedgerPipeline": 10,  # claims the story first: a story another run delivers goes no further
    "newscrawl.pipelines.CleaningWorkersPipeline": 50,
    "newscrawl.pipelines.ShellPipeline": 100,
    "newscrawl.pipelines.BoilerplatePipeline": 200,
    "newscrawl.pipelines.RepeatedPassagePipeline": 300,
    "newscrawl.pipelines.EmptyBodyPipeline": 400,
    "newscrawl.pipelines.NearDuplicatePipeline": 500,
}
# Processes that run the cleaning steps beside the crawl (0: in the crawl's own process).
# One keeps a 2-core machine's second core busy; the crawl itself uses one.
NEWSCRAWL_CLEANING_WORKERS = 1
# Items go to the workers in batches of this many, or after this many seconds.
NEWSCRAWL_CLEANING_BATCH = 16
NEWSCRAWL_CLEANING_BATCH_WAIT = 0.02
# Extra cleaning rules, merged into the built-in ones: {source: {field: [patterns]}}
# (see newscrawl/cleaning/rules.py for the fields).
NEWSCRAWL_EXTRA_RULES = {}

# Start-up objects frozen out of garbage collection, young collections every 10,000
# allocations instead of 700 (see newscrawl/gc_tuning.py): about a tenth of the crawl's CPU.
NEWSCRAWL_GC_FREEZE = True
NEWSCRAWL_GC_THRESHOLD = 10_000
EXTENSIONS = {
    "newscrawl.gc_tuning.GcTuning": 0,
    "newscrawl.ledger.Ledger": 510,  # every story's state: claims, deliveries, rejects, recovery
    "newscrawl.extensions.RunSummary": 520,
    "newscrawl.frontier.RedisIdleWait": 530,  # only with NEWSCRAWL_REDIS_URL
}

# --- State that outlives a run -------------------------------------------------
# Embedded SQLite under <data>/state by default; a Redis URL shares it (and the
# frontier) between several crawler processes.
NEWSCRAWL_STATE_DIR = None  # default: <data dir>/state

NEWSCRAWL_SKIP_HANDLED = True  # -a refresh=1 or -s NEWSCRAWL_SKIP_HANDLED=0 fetches everything again
NEWSCRAWL_STATE_LOCK_TIMEOUT = 30.0  # seconds a write waits for another process holding the SQLite store
NEWSCRAWL_STATE_LOCK_WAIT = 0.0  # seconds a run waits for another run of the spider to release the embedded store
# Handled stories and near-duplicate index entries are forgotten this long after they were handled
# (not published): a syndicated copy a year after its original is still caught. See README for the cost.
NEWSCRAWL_STATE_RETENTION_DAYS = 365
NEWSCRAWL_STATE_CHECK_INTERVAL = 10.0  # seconds between checks that the store still has its data (and heartbeats)
NEWSCRAWL_RUNS_DIR = None  # default: <data dir>/runs

# --- Run health: the run exits non-zero when it looks broken ---------------------
NEWSCRAWL_HEALTH_MIN_PAGES = 10  # judge shares only above this many story pages
NEWSCRAWL_HEALTH_MIN_EMPTY_FETCHES = 3  # new story pages fetched with none exported: broken
NEWSCRAWL_HEALTH_MAX_BLOCKED_SHARE = 0.5
NEWSCRAWL_HEALTH_MAX_GENERIC_SHARE = 0.5

# --- Many workers --------------------------------------------------------------
# NEWSCRAWL_REDIS_URL (setting or environment variable) moves the frontier to
# scrapy-redis and the story store and near-duplicate index to the same Redis.
import os as _os  # noqa: E402

NEWSCRAWL_REDIS_URL = _os.environ.get("NEWSCRAWL_REDIS_URL") or None
NEWSCRAWL_REDIS_DUPEFILTER_TTL = 600  # seconds a crawl's request fingerprints outlive its last request
NEWSCRAWL_REDIS_HEARTBEAT_TTL = 30  # a worker silent this long no longer counts as part of the crawl
NEWSCRAWL_REDIS_MAX_IDLE = 10.0  # seconds a worker waits on an empty shared queue before closing
ADDONS = {"newscrawl.frontier.RedisFrontierAddon": 0}

# --- Reliability and safety (newscrawl/middlewares.py, newscrawl/safety.py) -------------
# Requests to private, loopback or link-local addresses (IP literals or resolved names) and
# non-http(s) URLs are refused and counted (newscrawl/safety/refused/<why>); the hosts of the
# start URLs, and these, are exempt so mirrors and test servers on loopback keep working.
NEWSCRAWL_REFUSE_PRIVATE_ADDRESSES = True
NEWSCRAWL_TRUSTED_HOSTS = []
# A host answering this many responses in a row with these statuses stops the run with one line.
NEWSCRAWL_BLOCKED_STREAK = 20  # 0 disables
NEWSCRAWL_BLOCKED_CODES = [403, 429]
DOWNLOADER_MIDDLEWARES.update({
    "newscrawl.middlewares.PrivateAddressMiddleware": 55,  # after OffsiteMiddleware (50), before robots.txt
    "newscrawl.middlewares.BlockedHostBreaker": 560,  # sees each raw answer, retries included
    "newscrawl.middlewares.ResponseSniffMiddleware": 580,  # after decompression (590): binary bodies, wrong charsets
    "newscrawl.middlewares.RedirectLoopMiddleware": 650,  # before RedirectMiddleware (600) follows the loop
})
