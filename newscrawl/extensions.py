"""Crawl-level bookkeeping: the rejects file, the end-of-run summary and run health.

``RejectsWriter`` writes every dropped or failed item, with its reason and what
matched, to ``NEWSCRAWL_REJECTS_URI``, so nothing is lost silently.
``RunSummary`` logs what the run did, writes ``runs/<spider>/<time>.json`` and
sets ``newscrawl/failure`` (which makes ``scrapy crawl`` exit non-zero) when
the run looks broken.
"""

from __future__ import annotations

import json
import logging
import resource
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from newscrawl.commands.crawl import FAILURE_KEY
from newscrawl.jsonl import JsonlWriter
from newscrawl.items import EXPORT_FIELDS
from newscrawl.paths import data_dir
from newscrawl.state import item_key, stores_for
from newscrawl.store import mask_url

logger = logging.getLogger(__name__)

# Reasons whose stories count as handled: a later run does not fetch them again
# (a copy stays a copy; a not-found shell, like a 404, stays gone). Blocked pages
# and errors are fetched again.
HANDLED_REJECTIONS = {"near_duplicate", "error_shell"}


def uri_params(spider_name: str, start: datetime | None = None) -> dict[str, str]:
    """The %(name)s / %(time)s values, formatted as Scrapy's feed exporter does, so that a
    run's feed, rejects and summary files share one name."""
    now = (start or datetime.now(tz=timezone.utc)).replace(microsecond=0)
    return {"name": spider_name, "time": now.isoformat().replace(":", "-")}


def exported_fields(item: Any) -> dict[str, Any]:
    adapter = ItemAdapter(item)
    return {name: adapter.get(name) for name in EXPORT_FIELDS if name in adapter}


class RejectsWriter:
    def __init__(self, crawler, uri_template: str):
        self.crawler = crawler
        self.stats = crawler.stats
        self.uri_template = uri_template
        self.writer: JsonlWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        uri = crawler.settings.get("NEWSCRAWL_REJECTS_URI")
        if not uri:
            raise NotConfigured("NEWSCRAWL_REJECTS_URI is empty")
        ext = cls(crawler, uri)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        path = self.uri_template % uri_params(spider.name, self.stats.get_value("start_time"))
        if path.startswith("file://"):
            path = path[len("file://"):]
        self.writer = JsonlWriter(path)

    def _write(self, record: dict[str, Any]) -> None:
        assert self.writer is not None
        self.writer.write(record)
        self.stats.inc_value("newscrawl/rejects_written")

    def item_dropped(self, item, response, exception, spider=None):
        record = exported_fields(item)
        rejection = getattr(exception, "rejection", None)
        if rejection is not None:
            record.update(
                reason=rejection.reason,
                detail=rejection.detail,
                step=getattr(exception, "step", None),
                duplicate_of=rejection.duplicate_of,
            )
        else:
            record.update(reason="dropped", detail=str(exception))
            self.stats.inc_value("newscrawl/dropped/dropped")
        self._write(record)
        if record["reason"] in HANDLED_REJECTIONS:
            key = item_key(item)
            if key:
                stores_for(self.crawler).seen.mark_done([key])

    def item_error(self, item, response, spider=None, failure=None):
        record = exported_fields(item)
        record.update(reason="error", detail=repr(failure.value) if failure is not None else "")
        self.stats.inc_value("newscrawl/dropped/error")
        self._write(record)

    def spider_closed(self, spider, reason):
        if self.writer is not None:
            self.writer.close()
            if self.writer.count:
                logger.info("%d rejected items written to %s", self.writer.count, self.writer.path)


def _cpu_seconds() -> dict[str, float]:
    """CPU time of the crawl's process and of its finished children (the cleaning workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"crawl": round(own.ru_utime + own.ru_stime, 3),
            "workers": round(children.ru_utime + children.ru_stime, 3)}


class RunSummary:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.settings = crawler.settings

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item, spider=None, response=None):
        path = ItemAdapter(item).get("extraction") or "unknown"
        self.stats.inc_value(f"newscrawl/extraction/{path}")

    # -- summary -------------------------------------------------------------
    def _prefixed(self, prefix: str) -> dict[str, int]:
        return {
            key[len(prefix):]: value
            for key, value in sorted(self.stats.get_stats().items())
            if key.startswith(prefix)
        }

    def summary(self, spider, reason: str) -> dict[str, Any]:
        stats = self.stats.get_stats()
        exported = stats.get("item_scraped_count", 0)
        extraction = self._prefixed("newscrawl/extraction/")
        dropped = self._prefixed("newscrawl/dropped/")
        return {
            "spider": spider.name,
            "finish_reason": reason,
            "start_time": str(stats.get("start_time")),
            "finish_time": str(stats.get("finish_time")),
            "duration_seconds": stats.get("elapsed_time_seconds"),
            "pages_by_status": self._prefixed("downloader/response_status_count/"),
            "stories_exported": exported,
            "dropped_by_reason": dropped,
            "blocked": dropped.get("blocked", 0) + stats.get(f"{spider.name}/story_403", 0),
            "stripped_by_rule": self._prefixed("newscrawl/stripped/"),
            "extraction_counts": extraction,
            "extraction_share": {k: round(v / exported, 4) for k, v in extraction.items()} if exported else {},
            "state": {
                "store": mask_url(self.settings.get("NEWSCRAWL_REDIS_URL") or "") or "sqlite",
                "recovered_done": stats.get("newscrawl/state/recovered_done", 0),
                "recovered_refetch": stats.get("newscrawl/state/recovered_refetch", 0),
                "stories_skipped_handled": stats.get("newscrawl/stories/skipped_handled", 0),
            },
            "cpu_seconds": _cpu_seconds(),
            "failure": stats.get(FAILURE_KEY),
        }

    def health_failure(self, summary: dict[str, Any], spider_name: str) -> str | None:
        """One line saying why the run looks broken, or None.

        A scheduled run that finds nothing new is healthy: only listings with no
        story links at all, or new story pages none of which yielded a story, count.
        """
        stats = self.stats.get_stats()
        s = self.settings
        exported = summary["stories_exported"]
        listings_ok = stats.get("newscrawl/listings/fetched", 0)
        links_found = stats.get("newscrawl/stories/discovered", 0)
        if listings_ok and not links_found:
            return f"{spider_name}: {listings_ok} listing/feed pages were reachable but held no story links; the site layout has probably changed"
        fetched = stats.get("newscrawl/stories/fetched", 0) - summary["dropped_by_reason"].get("near_duplicate", 0)
        if exported == 0 and fetched >= s.getint("NEWSCRAWL_HEALTH_MIN_EMPTY_FETCHES", 3):
            return f"{spider_name}: nothing exported although {fetched} new story pages were fetched (see the rejects file for why)"
        story_responses = stats.get("newscrawl/stories/responses", 0)
        blocked = summary["blocked"]
        if story_responses >= s.getint("NEWSCRAWL_HEALTH_MIN_PAGES", 10):
            share = blocked / story_responses
            if share > s.getfloat("NEWSCRAWL_HEALTH_MAX_BLOCKED_SHARE", 0.5):
                return f"{spider_name}: {blocked} of {story_responses} story pages were blocked ({share:.0%}); the site is refusing the crawler"
        generic = summary["extraction_counts"].get("generic", 0)
        if exported >= s.getint("NEWSCRAWL_HEALTH_MIN_PAGES", 10):
            share = generic / exported
            if share > s.getfloat("NEWSCRAWL_HEALTH_MAX_GENERIC_SHARE", 0.5):
                return f"{spider_name}: {generic} of {exported} bodies came from the generic fallback ({share:.0%}); the site layout has probably changed"
        return None

    def spider_closed(self, spider, reason):
        summary = self.summary(spider, reason)
        if not summary["failure"]:
            failure = self.health_failure(summary, spider.name)
            if failure:
                self.stats.set_value(FAILURE_KEY, failure)
                summary["failure"] = failure
        logger.info(
            "newscrawl summary: exported %d; dropped %s; blocked %d; stripped %s; extraction %s",
            summary["stories_exported"],
            _fmt(summary["dropped_by_reason"]),
            summary["blocked"],
            _fmt(summary["stripped_by_rule"]),
            _fmt(summary["extraction_counts"]),
        )
        if summary["failure"]:
            logger.error("run looks broken: %s", summary["failure"])
        runs_dir = self.settings.get("NEWSCRAWL_RUNS_DIR") or str(data_dir() / "runs")
        path = Path(runs_dir) / spider.name / f"{uri_params(spider.name, self.stats.get_value('start_time'))['time']}.json"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
        except OSError as exc:
            logger.error("cannot write run summary %s: %s", path, exc)


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in counts.items()) or "none"
