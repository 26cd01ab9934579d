"""What outlives a run, seen from Scrapy: one set of stores per crawler, and the ledger.

``stores_for(crawler)`` opens the stores chosen by settings once per crawler
(SQLite under the data directory by default, Redis when
``NEWSCRAWL_REDIS_URL`` is set) and closes them when the engine stops.

``StateLedger`` keeps the seen-story store honest across crashes: a story is
marked *pending* just before it is exported, and *done* only after its line is
in the feed (``item_scraped`` runs after the feed exporter wrote it, unbuffered)
or in the rejects file. A run that finds pending stories from a killed run looks
for them in the recent feed and rejects files: found means done, missing means
forgotten, so the story is fetched again.
"""

from __future__ import annotations

import asyncio
import glob
import json
from datetime import datetime, timedelta, timezone
import logging
import os
from pathlib import Path
from typing import Any, Iterable

from itemadapter import ItemAdapter
from scrapy import signals

from newscrawl.cleaning.neardup import DEFAULT_SCHEME
from newscrawl.paths import data_dir
from newscrawl.store import mask_url, open_stores

logger = logging.getLogger(__name__)

_ATTR = "_newscrawl_stores"


def item_key(item: Any) -> str | None:
    adapter = ItemAdapter(item)
    return adapter.get("story_id") or adapter.get("url")


def open_stores_from_settings(settings, spider_name: str):
    """The stores that ``settings`` choose for ``spider_name`` (Redis URL, else the SQLite directory)."""
    return open_stores(spider_name, state_dir=Path(state_dir_from_settings(settings)),
                       redis_url=settings.get("NEWSCRAWL_REDIS_URL") or None, scheme=DEFAULT_SCHEME,
                       lock_timeout=settings.getfloat("NEWSCRAWL_STATE_LOCK_TIMEOUT", 30.0))


def state_dir_from_settings(settings) -> str:
    return settings.get("NEWSCRAWL_STATE_DIR") or str(data_dir() / "state")


def stores_for(crawler):
    """The crawler's stores, opened on first use and closed with the engine."""
    stores = getattr(crawler, _ATTR, None)
    if stores is None:
        settings = crawler.settings
        spider_name = crawler.spidercls.name
        stores = open_stores_from_settings(settings, spider_name)
        setattr(crawler, _ATTR, stores)
        redis_url = settings.get("NEWSCRAWL_REDIS_URL")
        where = mask_url(redis_url) if redis_url else state_dir_from_settings(settings)
        logger.info("newscrawl state for %r: %s", spider_name, where)
        crawler.signals.connect(lambda: stores.close(), signal=signals.engine_stopped, weak=False)
    return stores


def _recent_files(template: str, params: dict[str, str], keep: int = 3) -> list[Path]:
    """The newest files a feed URI template can have produced (all runs' %(time)s)."""
    if template.startswith("file://"):
        template = template[len("file://"):]
    if "://" in template:  # s3, ftp...: not ours to read back
        return []
    pattern = template
    for name in params:
        pattern = pattern.replace(f"%({name})s", params[name])
    pattern = pattern.replace("%(time)s", "*").replace("%(batch_id)d", "*").replace("%(batch_time)s", "*")
    files = sorted(glob.glob(pattern), key=lambda p: os.path.getmtime(p), reverse=True)
    return [Path(f) for f in files[:keep]]


def keys_in_jsonl(paths: Iterable[Path]) -> set[str]:
    """Story keys present in JSONL files, tolerating a torn last line."""
    keys: set[str] = set()
    for path in paths:
        try:
            with path.open("rb") as fh:
                for raw in fh:
                    try:
                        rec = json.loads(raw)
                    except ValueError:
                        continue
                    if isinstance(rec, dict):
                        key = rec.get("story_id") or rec.get("id") or rec.get("url")
                        if key:
                            keys.add(str(key))
        except OSError as exc:
            logger.warning("cannot read %s while recovering state: %s", path, exc)
    return keys


class LedgerPipeline:
    """Last pipeline: the item is about to be exported, so its story is pending.

    The stories that reach it in one turn of the event loop (a cleaning worker hands back
    its batch at once) are marked in one write, and each goes on to the feed only once that
    write is done, so a killed run still finds every written story pending or done.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self._keys: list[str] = []
        self._marked: asyncio.Future | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        for private in ("cleaning", "html"):  # done with: free the memory before export
            if private in adapter.field_names():
                adapter[private] = None
        key = item_key(item)
        if key:
            await self._mark_pending(key)
        return item

    def _mark_pending(self, key: str) -> asyncio.Future:
        self._keys.append(key)
        if self._marked is None:
            loop = asyncio.get_running_loop()
            self._marked = loop.create_future()
            loop.call_soon(self._write_pending)
        return self._marked

    def _write_pending(self) -> None:
        keys, self._keys = self._keys, []
        marked, self._marked = self._marked, None
        try:
            stores_for(self.crawler).seen.mark_pending_many(keys)
        except Exception as exc:  # each item waiting on it fails on its own (an item error, reported)
            marked.set_exception(exc)
        else:
            marked.set_result(None)


class StateLedger:
    """Marks stories done once written, and recovers the pending ones of a killed run."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.newest_published: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        seen = stores_for(self.crawler).seen
        pending = list(seen.pending())
        if not pending:
            return
        params = {"name": spider.name}
        templates = list(self.crawler.settings.getdict("FEEDS"))
        templates.append(self.crawler.settings.get("NEWSCRAWL_REJECTS_URI", ""))
        files: list[Path] = []
        for template in templates:
            if template:
                files.extend(_recent_files(str(template), params))
        written = keys_in_jsonl(files)
        done = [k for k in pending if k in written]
        lost = [k for k in pending if k not in written]
        if done:
            seen.mark_done(done)
        if lost:
            seen.forget(lost)
        self.stats.set_value("newscrawl/state/recovered_done", len(done))
        self.stats.set_value("newscrawl/state/recovered_refetch", len(lost))
        logger.info(
            "recovered %d stories pending from an interrupted run: %d were written, %d will be fetched again",
            len(pending), len(done), len(lost),
        )

    def expire(self) -> None:
        """Keep the store bounded.

        Index entries expire ``NEWSCRAWL_STATE_WINDOW_DAYS`` of publication time before
        the newest story this run exported (not the wall clock: re-crawling an archive,
        or a clock that is off, must not empty the index); handled stories are forgotten
        ``NEWSCRAWL_SEEN_WINDOW_DAYS`` after they were handled.
        """
        stores = stores_for(self.crawler)
        settings = self.crawler.settings
        days = settings.getfloat("NEWSCRAWL_STATE_WINDOW_DAYS", 30)
        seen_days = settings.getfloat("NEWSCRAWL_SEEN_WINDOW_DAYS", 90)
        expired = 0
        if self.newest_published:
            try:
                newest = datetime.fromisoformat(self.newest_published[:19])
            except ValueError:
                newest = None
            if newest is not None:
                expired = stores.index.expire((newest - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S"))
        now = datetime.now(timezone.utc)
        pruned = stores.seen.prune((now - timedelta(days=seen_days)).strftime("%Y-%m-%dT%H:%M:%S"))
        self.stats.set_value("newscrawl/state/index_expired", expired)
        self.stats.set_value("newscrawl/state/seen_pruned", pruned)
        if expired or pruned:
            logger.info("state: %d index entries published over %g days before the newest story expired, "
                        "%d stories handled over %g days ago forgotten", expired, days, pruned, seen_days)

    def spider_closed(self, spider, reason):
        try:
            self.expire()
        except Exception as exc:  # bounding the store must never cost the run its summary
            logger.error("state: expiry failed: %s", exc)

    def item_scraped(self, item, spider=None, response=None):
        published = ItemAdapter(item).get("published")
        if isinstance(published, str) and (self.newest_published is None or published > self.newest_published):
            self.newest_published = published
        key = item_key(item)
        if key:
            stores_for(self.crawler).seen.mark_done([key])
