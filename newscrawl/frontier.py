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
"""

from __future__ import annotations

from scrapy_redis.dupefilter import RFPDupeFilter

from newscrawl.store import mask_url


class ExpiringRFPDupeFilter(RFPDupeFilter):
    ttl = 600

    @classmethod
    def from_spider(cls, spider):
        df = super().from_spider(spider)
        df.ttl = spider.settings.getint("NEWSCRAWL_REDIS_DUPEFILTER_TTL", cls.ttl)
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
        settings.set("SCHEDULER", "scrapy_redis.scheduler.Scheduler", priority="addon")
        # scrapy-redis reads its dupefilter class from DUPEFILTER_CLASS.
        settings.set("DUPEFILTER_CLASS", "newscrawl.frontier.ExpiringRFPDupeFilter", priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set("SCHEDULER_QUEUE_KEY", "newscrawl:%(spider)s:requests", priority="addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", "newscrawl:%(spider)s:dupefilter", priority="addon")
        settings.set("NEWSCRAWL_REDIS_URL_MASKED", mask_url(url), priority="addon")


class RedisIdleWait:
    """Keeps a worker of a shared crawl alive while the shared queue may still fill.

    A crawl grows page by page, so early on the shared queue is often empty while
    another worker holds the requests it is fetching; a worker that closed at its
    first idle moment would leave the whole crawl to the first. Each worker waits
    up to ``NEWSCRAWL_REDIS_MAX_IDLE`` seconds of continuous idleness before closing.
    """

    def __init__(self, crawler, max_idle: float):
        self.crawler = crawler
        self.max_idle = max_idle
        self.idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.get("NEWSCRAWL_REDIS_URL"):
            raise NotConfigured  # no shared frontier: nothing to wait for (and nothing to log)
        ext = cls(crawler, crawler.settings.getfloat("NEWSCRAWL_REDIS_MAX_IDLE", 10.0))
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.request_scheduled, signal=signals.request_scheduled)
        return ext

    def request_scheduled(self, request, spider=None):
        self.idle_since = None

    def spider_idle(self, spider=None):
        import time

        from scrapy.exceptions import DontCloseSpider

        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.max_idle:
            raise DontCloseSpider("waiting for the shared frontier")
