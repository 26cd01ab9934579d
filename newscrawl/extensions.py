"""The end-of-run summary and run health.

``RunSummary`` writes ``runs/<spider>/<run>.json`` when the run starts (what it
writes where: feeds, rejects file, state store) and again once the ledger has
settled every story (``run_settled``): what the run delivered, dropped (by
reason), let go, recovered, and whether it looks broken. A broken run sets
``newscrawl/failure``, which makes ``scrapy crawl`` exit non-zero.
"""

from __future__ import annotations

import json
import logging
import os
import resource
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import signals

from newscrawl import signals as newscrawl_signals
from newscrawl.ledger import Ledger
from newscrawl.outcome import FAILURE_KEY
from newscrawl.redact import mask_url

logger = logging.getLogger(__name__)


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
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.run_settled, signal=newscrawl_signals.run_settled)
        return ext

    def _ledger(self) -> Ledger | None:
        return self.crawler.get_extension(Ledger)

    def _path(self, spider_name: str) -> Path | None:
        ledger = self._ledger()
        if ledger is None:
            return None
        return Path(self.settings.get("NEWSCRAWL_RUNS_DIR")) / spider_name / f"{ledger.run_id}.json"

    def _write(self, spider_name: str, summary: dict[str, Any]) -> None:
        path = self._path(spider_name)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            logger.error("cannot write run summary %s: %s", path, exc)

    def spider_opened(self, spider):
        """A first summary: a run that is killed still says where its feeds went (``newscrawl state adopt``)."""
        ledger = self._ledger()
        if ledger is not None:
            self._write(spider.name, {"spider": spider.name, "finish_reason": None, "status": "running",
                                      "start_time": str(self.stats.get_value("start_time")), **ledger.describe()})

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
        ledger = self._ledger()
        delivery = ledger.describe() if ledger is not None else {}
        exported = delivery.get("exported", stats.get("item_scraped_count", 0))
        extraction = self._prefixed("newscrawl/extraction/")
        dropped = self._prefixed("newscrawl/dropped/")
        return {
            "spider": spider.name,
            "finish_reason": "failed" if reason == "finished" and stats.get(FAILURE_KEY) else reason,
            "status": "settled",
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
            "stories_skipped_handled": stats.get("newscrawl/stories/skipped_handled", 0),
            **delivery,
            "state": {
                "store": mask_url(self.settings.get("NEWSCRAWL_REDIS_URL") or "") or "sqlite",
                **(delivery.get("store") or {}),
            },
            "cpu_seconds": _cpu_seconds(),
            "failure": stats.get(FAILURE_KEY),
        }

    @staticmethod
    def _other_site_hint(spider) -> str:
        """For a site's spider pointed at hosts that are not the site's: the spider for any news site."""
        site = getattr(spider, "site", None)
        if site is None or not site.hosts:
            return ""
        others = sorted({h for h in (urlsplit(u).hostname or "" for u in getattr(spider, "start_urls", ()))
                         if h and not site.serves(h)})
        if not others:
            return ""
        return (f" ({', '.join(others)} is not {site.hosts[0]}: unless it is a copy of it, this is another site, "
                f"and the wire spider reads any news site: scrapy crawl wire -a start_urls=URL)")

    def health_failure(self, summary: dict[str, Any], spider_name: str, spider=None) -> str | None:
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
            return (f"{spider_name}: {listings_ok} listing/feed pages were reachable but held no story links; the site "
                    f"layout has probably changed{self._other_site_hint(spider)}")
        fetched = stats.get("newscrawl/stories/fetched", 0) - summary["dropped_by_reason"].get("near_duplicate", 0)
        if exported == 0 and fetched >= s.getint("NEWSCRAWL_HEALTH_MIN_EMPTY_FETCHES"):
            return f"{spider_name}: nothing exported although {fetched} new story pages were fetched (see the rejects file for why)"
        story_responses = stats.get("newscrawl/stories/responses", 0)
        blocked = summary["blocked"]
        if story_responses >= s.getint("NEWSCRAWL_HEALTH_MIN_PAGES"):
            share = blocked / story_responses
            if share > s.getfloat("NEWSCRAWL_HEALTH_MAX_BLOCKED_SHARE"):
                return f"{spider_name}: {blocked} of {story_responses} story pages were blocked ({share:.0%}); the site is refusing the crawler"
        generic = summary["extraction_counts"].get("generic", 0)
        if exported >= s.getint("NEWSCRAWL_HEALTH_MIN_PAGES"):
            share = generic / exported
            if share > s.getfloat("NEWSCRAWL_HEALTH_MAX_GENERIC_SHARE"):
                return (f"{spider_name}: {generic} of {exported} bodies came from the generic fallback ({share:.0%}); "
                        f"the site layout has probably changed{self._other_site_hint(spider)}")
        return None

    def run_settled(self, ledger, spider, reason):
        if not self.stats.get_value(FAILURE_KEY):
            failure = self.health_failure(self.summary(spider, reason), spider.name, spider)
            if failure:
                self.stats.set_value(FAILURE_KEY, failure)
        summary = self.summary(spider, reason)
        # The outcome at WARNING, so that LOG_LEVEL=WARNING still says what a run did; the details at INFO.
        dropped = dict(summary["dropped_by_reason"])
        handled = summary["stories_skipped_handled"] + dropped.pop("duplicate", 0)
        if summary.get("gone"):
            dropped["gone"] = summary["gone"]
        feeds = [mask_url(str(f)).removeprefix("file://") for f in summary.get("feeds") or ()]
        written = [f for f in feeds if "://" in f or Path(f).exists()]  # a run with nothing new writes no file
        logger.warning(
            "newscrawl summary (%s, run %s, %s): %d new stories exported -> %s; %d already handled (skipped); "
            "dropped %s",
            spider.name, summary.get("run") or "-", summary["finish_reason"], summary["stories_exported"],
            ", ".join(written) or "no feed file", handled,
            f"{sum(dropped.values())} ({_fmt(dropped)}) -> {summary.get('rejects')}" if dropped else "none",
        )
        logger.info("newscrawl details: blocked %d; stripped %s; extraction %s", summary["blocked"],
                    _fmt(summary["stripped_by_rule"]), _fmt(summary["extraction_counts"]))
        if summary["failure"]:
            logger.error("run looks broken: %s", summary["failure"])
        self._write(spider.name, summary)


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in counts.items()) or "none"
