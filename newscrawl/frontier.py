"""The shared frontier: with ``NEWSCRAWL_REDIS_URL`` set, scrapy-redis schedules for every worker.

``RedisFrontierAddon`` (enabled in settings, idle without a URL) switches the
scheduler and its duplicate filter to scrapy-redis, with keys namespaced
``newscrawl:<spider>:...`` beside the shared story store, so several
``scrapy crawl menafn`` processes on several machines split one crawl.

The queue persists (one worker finishing must not flush the queue the others
still work from), but the request fingerprints do not outlive a crawl:
``ExpiringRFPDupeFilter`` lets its key expire ``NEWSCRAWL_REDIS_DUPEFILTER_TTL``
seconds after the last request was seen, so the next scheduled run may fetch a
page again. Which stories need fetching across runs is the story store's job.

A worker closes as soon as it is idle, the shared queue is empty and no other
live worker of the crawl is fetching (each worker's heartbeat key says ``busy``
or ``idle``); only while another worker may still fill the queue does it wait,
up to ``NEWSCRAWL_REDIS_MAX_IDLE`` seconds.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
import warnings

from redis.exceptions import RedisError
from scrapy import signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.exceptions import DontCloseSpider, NotConfigured, ScrapyDeprecationWarning
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from newscrawl.delivery import process_alive
from newscrawl.outcome import fail
from newscrawl.redact import mask_url

logger = logging.getLogger(__name__)


class ExpiringRFPDupeFilter(RFPDupeFilter):
    ttl = 600

    @classmethod
    def from_spider(cls, spider):
        df = super().from_spider(spider)
        df.ttl = spider.settings.getint("NEWSCRAWL_REDIS_DUPEFILTER_TTL")
        return df

    def request_seen(self, request):
        fp = self.request_fingerprint(request)
        pipe = self.server.pipeline()
        pipe.sadd(self.key, fp).expire(self.key, self.ttl)
        added, _ = pipe.execute()
        return added == 0


class RedisFrontierAddon:
    """Moves the frontier to Redis when ``NEWSCRAWL_REDIS_URL`` is set; otherwise does nothing."""

    def update_settings(self, settings):
        url = settings.get("NEWSCRAWL_REDIS_URL")
        if not url:
            return
        settings.set("REDIS_URL", url, priority="addon")
        settings.set("SCHEDULER", "newscrawl.frontier.RedisScheduler", priority="addon")
        # scrapy-redis reads its dupefilter class from DUPEFILTER_CLASS.
        settings.set("DUPEFILTER_CLASS", "newscrawl.frontier.ExpiringRFPDupeFilter", priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set("SCHEDULER_QUEUE_KEY", "newscrawl:%(spider)s:requests", priority="addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", "newscrawl:%(spider)s:dupefilter", priority="addon")
        settings.set("NEWSCRAWL_REDIS_URL_MASKED", mask_url(url), priority="addon")
        settings.setdefault_in_component_priority_dict("EXTENSIONS", RedisIdleWait, 530)


class RedisIdleWait:
    """Keeps a worker of a shared crawl alive while the shared queue may still fill.

    A crawl grows page by page, so early on the shared queue is often empty while
    another worker holds the requests it is fetching; a worker that closed at its
    first idle moment would leave the whole crawl to the first. A worker that is
    idle with an empty queue closes at once when no other live worker is busy
    (nobody can add requests any more: the usual end of a run, and every end of a
    single-worker run); while one is, it waits up to ``NEWSCRAWL_REDIS_MAX_IDLE``
    seconds of continuous idleness. ``newscrawl/redis/idle_waits`` counts the
    engine's idle checks it held off, ``newscrawl/redis/idle_wait_seconds`` their time, and
    ``newscrawl/redis/idle_timeout`` says the wait ran out while another worker was busy.
    """

    def __init__(self, crawler, max_idle: float):
        self.crawler = crawler
        self.max_idle = max_idle
        self.idle_since: float | None = None
        self.waited = 0.0  # seconds held off in earlier idle spells

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("NEWSCRAWL_REDIS_URL"):
            raise NotConfigured  # no shared frontier: nothing to wait for (and nothing to log)
        ext = cls(crawler, crawler.settings.getfloat("NEWSCRAWL_REDIS_MAX_IDLE"))
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.busy, signal=signals.request_scheduled)
        crawler.signals.connect(ext.busy, signal=signals.response_received)
        return ext

    def busy(self, **kwargs):
        if self.idle_since is not None:
            self.waited += time.monotonic() - self.idle_since
            self.idle_since = None

    def _others_busy(self) -> bool:
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        if isinstance(scheduler, RedisScheduler):
            return scheduler.idle_and_others_busy()
        return True  # another scheduler (or none): nothing to ask, wait as configured

    def spider_idle(self, spider=None):
        now = time.monotonic()
        if not self._others_busy():
            return
        if self.idle_since is None:
            self.idle_since = now
        stats = self.crawler.stats
        if now - self.idle_since < self.max_idle:
            stats.inc_value("newscrawl/redis/idle_waits")
            stats.set_value("newscrawl/redis/idle_wait_seconds", round(self.waited + now - self.idle_since, 3))
            raise DontCloseSpider("waiting for the shared frontier")
        stats.set_value("newscrawl/redis/idle_timeout", True)
        logger.info("closing after %.0f s idle on an empty shared queue while another worker is still busy "
                    "(NEWSCRAWL_REDIS_MAX_IDLE)", now - self.idle_since)


class UnreachableFrontier(BaseScheduler):
    """The scheduler of a run whose Redis did not answer: it holds no request, and says why in one
    line. (The ledger cannot open its store in that Redis either, and closes the spider before any
    request; raising from ``open`` instead would make Scrapy log a traceback while closing.)"""

    def __init__(self, crawler, exc: Exception):
        self.crawler = crawler
        where = crawler.settings.get("NEWSCRAWL_REDIS_URL_MASKED")
        self.message = f"cannot use redis at {where}: {type(exc).__name__}: {mask_url(str(exc))}"

    def open(self, spider):
        fail(self.crawler, self.message)

    def has_pending_requests(self) -> bool:
        return False

    def enqueue_request(self, request) -> bool:
        return False

    def next_request(self):
        return None


class RedisScheduler(Scheduler):
    """scrapy-redis's scheduler that stops the run cleanly when Redis goes away.

    Without this, a lost Redis makes every engine tick raise, and the run spins
    on tracebacks forever. Here the first failure sets ``newscrawl/failure``
    (one line, password masked) and closes the spider: stories not yet written
    were never marked handled, so the next run fetches them.
    """

    crawler = None
    worker_key: str | None = None  # set once open
    heartbeat_ttl = 30  # seconds a worker counts as alive after its last heartbeat
    state = "busy"  # what the heartbeat key says: "busy" from the start and while fetching, "idle" when idle

    @classmethod
    def from_crawler(cls, crawler):
        try:
            instance = super().from_crawler(crawler)  # scrapy-redis pings the server here
        except RedisError as exc:
            return UnreachableFrontier(crawler, exc)
        instance.crawler = crawler
        instance.heartbeat_ttl = crawler.settings.getint("NEWSCRAWL_REDIS_HEARTBEAT_TTL")
        return instance

    # -- who else is crawling ------------------------------------------------
    # The request fingerprints belong to one crawl. The first worker of a crawl
    # (no other worker's heartbeat alive) starts them afresh, so a run after a
    # crash or a lost Redis fetches what the dead run never finished; workers
    # that join a live crawl share its fingerprints.
    def _workers_pattern(self) -> str:
        return f"newscrawl:{self.spider.name}:workers:*"

    def open(self, spider):
        try:
            with warnings.catch_warnings():  # scrapy-redis says "Resuming crawl" through the deprecated Spider.log()
                warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, message=r"Spider\.log\(\)")
                super().open(spider)
            self.worker_key = (f"newscrawl:{spider.name}:workers:{socket.gethostname()}:{os.getpid()}:"
                               f"{uuid.uuid4().hex[:8]}")
            alive = [k for k in self.server.scan_iter(match=self._workers_pattern(), count=100)
                     if self._may_be_alive(k.decode("utf-8", "replace"))]
            if not alive:
                self.df.clear()
                if self.stats is not None:
                    self.stats.set_value("newscrawl/redis/fresh_crawl", True)
        except RedisError as exc:  # before the first request: one line; the ledger closes the spider
            where = self.crawler.settings.get("NEWSCRAWL_REDIS_URL_MASKED") if self.crawler else "redis"
            fail(self.crawler, f"cannot use redis at {where}: {type(exc).__name__}: {mask_url(str(exc))}")
            return
        self._beat()
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(self.heartbeat_ttl / 3, now=False)

    @staticmethod
    def _may_be_alive(worker_key: str) -> bool:
        """A worker key names its host and process: one of this host whose process is gone is dead,
        whatever its heartbeat says (a killed worker's key outlives it by up to its time to live)."""
        parts = worker_key.split(":")
        host, pid = (parts[-3], parts[-2]) if len(parts) >= 3 else ("", "")
        return host != socket.gethostname() or not pid.isdigit() or process_alive(int(pid))

    def _beat(self) -> None:
        if self.worker_key is None:
            return
        try:
            self.server.set(self.worker_key, self.state, ex=self.heartbeat_ttl)
        except RedisError as exc:
            self._lost(exc)

    def _mark(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self._beat()

    def idle_and_others_busy(self) -> bool:
        """Say this worker is idle; whether the crawl may still go on without it: requests in the
        shared queue, or another live worker busy (it may add some)."""
        self._mark("idle")
        try:
            if len(self.queue):
                return True
            keys = [k for k in self.server.scan_iter(match=self._workers_pattern(), count=100)
                    if k.decode("utf-8", "replace") != self.worker_key]
            keys = [k for k in keys if self._may_be_alive(k.decode("utf-8", "replace"))]
            return any(state == b"busy" for state in (self.server.mget(keys) if keys else ()))
        except RedisError as exc:
            self._lost(exc)
            return False

    def close(self, reason):
        heartbeat = getattr(self, "_heartbeat", None)
        if heartbeat is not None and heartbeat.running:
            heartbeat.stop()
        try:
            if self.worker_key is not None:
                self.server.delete(self.worker_key)
            super().close(reason)
        except RedisError:
            pass  # already reported; nothing more to tidy on a server that is gone

    def _lost(self, exc: Exception) -> None:
        if self.stats is not None:
            self.stats.inc_value("newscrawl/redis/errors")
        if self.crawler is not None:
            where = self.crawler.settings.get("NEWSCRAWL_REDIS_URL_MASKED")
            fail(self.crawler, f"lost the shared frontier at {where}: {type(exc).__name__}: {mask_url(str(exc))}; "
                               "stopped (unwritten stories are fetched next run)", close_reason="redis_unavailable")

    # scrapy-redis 0.9.1's enqueue_request and next_request, without the ``spider`` argument to
    # ``StatsCollector.inc_value`` that Scrapy 2.13+ warns about on every run, and without the
    # blocking pop of ``SCHEDULER_IDLE_BEFORE_CLOSE`` (it would stall the reactor; idling is
    # RedisIdleWait's job).
    def enqueue_request(self, request):
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            if self.stats:
                self.stats.inc_value("scheduler/enqueued/redis")
            self.queue.push(request)
            return True
        except RedisError as exc:
            self._lost(exc)
            return False

    def next_request(self):
        try:
            request = self.queue.pop(0)
            if request:
                self._mark("busy")
                if self.stats:
                    self.stats.inc_value("scheduler/dequeued/redis")
            return request
        except RedisError as exc:
            self._lost(exc)
            return None

    def has_pending_requests(self):
        try:
            return super().has_pending_requests()
        except RedisError as exc:
            self._lost(exc)
            return False
