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
        settings.set("SCHEDULER_DUPEFILTER_CLASS", "newscrawl.frontier.ExpiringRFPDupeFilter", priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set("SCHEDULER_QUEUE_KEY", "newscrawl:%(spider)s:requests", priority="addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", "newscrawl:%(spider)s:dupefilter", priority="addon")
        settings.set("NEWSCRAWL_REDIS_URL_MASKED", mask_url(url), priority="addon")
