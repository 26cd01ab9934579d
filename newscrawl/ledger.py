"""The ledger: the one component that moves a crawled story from state to state.

It drives ``newscrawl.delivery`` (the states and the store, without Scrapy)
from the crawl's signals:

- ``spider_opened``: open the state store and take it for this run (an embedded
  store takes one run at a time), check it is the store this data directory
  used, settle the claims of runs that died, check that every feed can be
  written. Any problem closes the spider before a page is fetched, with one line.
- ``LedgerPipeline`` (the first item pipeline) claims each story; a story
  another run delivers, or delivered, is dropped as ``duplicate``.
- ``item_scraped``: the story's line is in a feed. A local feed is written
  unbuffered, so the story is done once every feed holds it; a remote feed
  (S3, FTP...) holds it only when its upload succeeds (``feed_slot_closed``).
  A story exported ``truncated`` marks its truncated mark done instead, so a
  complete copy can still be delivered once (``newscrawl.delivery``).
- ``item_dropped`` / ``item_error`` / ``story_gone``: the story goes to the
  rejects file; a copy, a not-found shell or a gone page closes the story,
  any other drop lets it go, to be fetched again by the next run.
- ``spider_closed``: once the feeds are stored, what no feed holds is let go
  and counted; a feed that failed fails the run with one line naming it and
  the stories left for the next run. Then ``run_settled`` is sent.

Components reach it through ``crawler.get_extension(Ledger)``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import CloseSpider, DropItem, NotConfigured
from scrapy.extensions.feedexport import FeedExporter, FileFeedStorage, apply_uri_params
from scrapy.utils.defer import ensure_awaitable
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet import task

from newscrawl import signals as newscrawl_signals
from newscrawl.batching import TurnBatch
from newscrawl.cleaning.document import Rejection
from newscrawl.cleaning.neardup import DEFAULT_SCHEME
from newscrawl.delivery import HANDLED_REASONS, Delivery, Recovery, new_run_id, story_key
from newscrawl.feeds import DurableFileFeedStorage
from newscrawl.items import EXPORT_FIELDS
from newscrawl.jsonl import JsonlWriter
from newscrawl.outcome import FAILURE_KEY, fail
from newscrawl.redact import mask_url
from newscrawl.store import SchemeMismatch, StoreError, StoreLocked, StoreLost, open_stores

logger = logging.getLogger(__name__)


class Rejected(DropItem):
    """A drop with a machine-readable reason, written to the rejects file."""

    def __init__(self, rejection: Rejection, step: str):
        message = f"{rejection.reason}: {rejection.detail}" if rejection.detail else rejection.reason
        if rejection.duplicate_of:
            message += f" (duplicate_of {rejection.duplicate_of})"
        super().__init__(message, log_level="INFO")
        self.rejection = rejection
        self.step = step


class FeedProblem(Exception):
    """A configured feed cannot take the run's stories."""


def state_dir_from_settings(settings) -> Path:
    return Path(settings.get("NEWSCRAWL_STATE_DIR"))


def open_stores_from_settings(settings, spider_name: str, rebuild_index: bool = False):
    """The stores that ``settings`` choose for ``spider_name`` (Redis URL, else the SQLite directory)."""
    return open_stores(spider_name, state_dir=state_dir_from_settings(settings),
                       redis_url=settings.get("NEWSCRAWL_REDIS_URL") or None, scheme=DEFAULT_SCHEME,
                       lock_timeout=settings.getfloat("NEWSCRAWL_STATE_LOCK_TIMEOUT"), rebuild_index=rebuild_index)


def identity_record_path(settings, spider_name: str) -> Path:
    return state_dir_from_settings(settings) / f"{spider_name}.identity.json"


def feed_uri_params(params: dict[str, Any], spider) -> dict[str, Any]:
    """``FEED_URI_PARAMS``: ``%(time)s`` is the run's id (its start time and a random suffix), the same in
    the feed, rejects and summary names, and never shared by two runs started in the same second."""
    ledger = spider.crawler.get_extension(Ledger)
    if ledger is not None:
        params["time"] = params["run"] = ledger.run_id
    return params


def exported_fields(item: Any) -> dict[str, Any]:
    adapter = ItemAdapter(item)
    return {name: adapter.get(name) for name in EXPORT_FIELDS if name in adapter}


class LedgerPipeline:
    """The first pipeline: a story goes on only once this run holds its claim in the store.

    The stories that arrive in one turn of the event loop are claimed in one write.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item, spider=None):
        ledger = self.crawler.get_extension(Ledger)
        key = story_key(item)
        if ledger is None or key is None:
            raise Rejected(Rejection("error", detail="no ledger" if ledger is None else "no story id or URL"), "ledger")
        if not await ledger.claim(key):
            raise Rejected(Rejection("duplicate", detail="already delivered, or being delivered by another run"),
                           "ledger")
        return item


class ObservedStorage:
    """A feed storage that remembers whether its upload (``store``) succeeded."""

    def __init__(self, storage):
        self.storage = storage
        self.stored: bool | None = None
        self.error: str | None = None

    def open(self, spider):
        return self.storage.open(spider)

    async def store(self, file):
        try:
            await ensure_awaitable(self.storage.store(file))
        except Exception as exc:
            self.stored, self.error = False, f"{type(exc).__name__}: {exc}"
            raise
        self.stored = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.storage, name)


@dataclass(eq=False)
class FeedWatch:
    """One feed slot, as the ledger follows it: what it wrote, what waits for its upload."""

    slot: Any
    count: int = 0  # the slot's item count when last looked at
    waiting: list[str] = field(default_factory=list)  # written to a remote feed's temporary file

    @property
    def durable(self) -> bool:
        return isinstance(self.slot.storage, DurableFileFeedStorage)

    @property
    def local_path(self) -> str | None:
        storage = self.slot.storage
        return str(Path(storage.path).resolve()) if isinstance(storage, FileFeedStorage) else None

    @property
    def error(self) -> str | None:
        storage = self.slot.storage
        if self.durable:
            failed = storage.file.failed if storage.file is not None else None
            return (failed.strerror or str(failed)) if failed is not None else (
                "could not be synced to disk" if storage.stored is False else None)
        return storage.error if isinstance(storage, ObservedStorage) and storage.stored is False else None

    def took(self, item: Any, key: str) -> str:
        """What this feed did with the item just scraped: written, waiting (remote), failed, or skipped."""
        count = self.slot.itemcount
        if count > self.count:
            self.count = count
            if not self.durable:
                self.waiting.append(key)
                return "waiting"
            return "failed" if self.error else "written"
        return "failed" if self.slot.filter.accepts(item) else "skipped"


class Ledger:
    """The owner of every story's state in a crawl (see the module docstring)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.settings = crawler.settings
        self.stats = crawler.stats
        self.run_id = new_run_id()
        self.delivery: Delivery | None = None
        self.recovery = Recovery()
        self.rejects_path: Path | None = None
        self.watches: list[FeedWatch] = []
        self.owed: dict[str, int] = {}  # key -> remote feeds still to store it
        self.written: set[str] = set()  # in every feed, done mark not yet written
        self.truncated: set[str] = set()  # exported cut off: their truncated mark is done, not their key
        self.rejects_written = 0
        self.exported = 0  # stories done because every feed holds them
        self.counts: dict[str, int] = {"duplicate": 0, "gone": 0}
        self.settlement: dict[str, int] = {}
        self._claims = TurnBatch(self._write_claims)
        self._done_soon = False
        self._rejects: JsonlWriter | None = None
        self._heartbeat: task.LoopingCall | None = None
        self._feeds_closed: asyncio.Future | None = None

    @classmethod
    def from_crawler(cls, crawler):
        pipelines = crawler.settings.getwithbase("ITEM_PIPELINES")
        if not any(load_object(p) is LedgerPipeline for p, order in pipelines.items() if order is not None):
            raise NotConfigured("newscrawl.ledger.LedgerPipeline is not in ITEM_PIPELINES")
        ledger = cls(crawler)
        connect = crawler.signals.connect
        connect(ledger.spider_opened, signal=signals.spider_opened)
        connect(ledger.item_scraped, signal=signals.item_scraped)
        connect(ledger.item_dropped, signal=signals.item_dropped)
        connect(ledger.item_error, signal=signals.item_error)
        connect(ledger.story_gone, signal=newscrawl_signals.story_gone)
        connect(ledger.feed_slot_closed, signal=signals.feed_slot_closed)
        connect(ledger.feed_exporter_closed, signal=signals.feed_exporter_closed)
        connect(ledger.spider_closed, signal=signals.spider_closed)
        return ledger

    # -- opening -------------------------------------------------------------------
    def spider_opened(self, spider):
        self._feeds_closed = asyncio.get_running_loop().create_future()
        try:
            self._open(spider)
        except StoreLocked as exc:
            self._refuse(str(exc), "state_locked")
        except StoreLost as exc:
            self._refuse(str(exc), "state_lost")
        except (StoreError, SchemeMismatch, ValueError) as exc:
            self._refuse(str(exc), "state_unavailable")
        except FeedProblem as exc:
            self._refuse(str(exc), "feed_unavailable")

    def _refuse(self, message: str, reason: str) -> None:
        fail(self.crawler, message)
        raise CloseSpider(reason)

    def _open(self, spider) -> None:
        settings = self.settings
        problem = self._feed_config_problem()
        if problem:
            raise FeedProblem(problem)
        exporter = self.crawler.get_extension(FeedExporter)
        for slot in exporter.slots:
            if not isinstance(slot.storage, FileFeedStorage):
                slot.storage = ObservedStorage(slot.storage)
            self.watches.append(FeedWatch(slot))
        template = settings.get("NEWSCRAWL_REJECTS_URI")
        if template:
            path = apply_uri_params(template, {"name": spider.name, "time": self.run_id, "run": self.run_id})
            self.rejects_path = Path(path[len("file://"):] if path.startswith("file://") else path).resolve()
        stores = open_stores_from_settings(settings, spider.name)
        try:
            self.delivery = Delivery(stores, self.run_id, kind="crawl", spider=spider.name,
                                     identity_record=identity_record_path(settings, spider.name),
                                     redeliver=not getattr(spider, "skip_handled", True),
                                     retention_days=settings.getfloat("NEWSCRAWL_STATE_RETENTION_DAYS"),
                                     heartbeat_ttl=3 * settings.getfloat("NEWSCRAWL_STATE_CHECK_INTERVAL"))
            self.recovery = self.delivery.start(feeds=[w.local_path for w in self.watches],
                                                rejects=str(self.rejects_path) if self.rejects_path else None,
                                                handled_reasons=HANDLED_REASONS,
                                                lock_wait=settings.getfloat("NEWSCRAWL_STATE_LOCK_WAIT"))
        except BaseException:
            self.delivery = None
            stores.close()
            raise
        logger.info("run %s; state: %s (%s)", self.run_id, stores.identity.location, stores.identity.describe())
        if self.recovery.done or self.recovery.refetch or self.recovery.elsewhere:
            logger.info("recovered %s", self.recovery.describe())
        self.stats.set_value("newscrawl/state/recovered_done", self.recovery.done)
        self.stats.set_value("newscrawl/state/recovered_refetch", self.recovery.refetch)
        for watch in self.watches:  # open every feed now: one that cannot be written stops the run here
            try:
                watch.slot.start_exporting()
            except Exception as exc:
                raise FeedProblem(mask_url(f"cannot write feed {watch.slot.uri}: "
                                           f"{getattr(exc, 'strerror', None) or exc}; nothing was fetched")) from exc
        interval = settings.getfloat("NEWSCRAWL_STATE_CHECK_INTERVAL")
        if interval > 0:
            self._heartbeat = task.LoopingCall(self._beat)
            self._heartbeat.start(interval, now=False)

    def _feed_config_problem(self) -> str | None:
        """Why the configured feeds cannot take this run's stories, or None."""
        feeds = self.settings.getdict("FEEDS")
        if not feeds:
            return "no feed is configured (FEEDS is empty): stories would have nowhere to go; nothing was fetched"
        if self.crawler.get_extension(FeedExporter) is not None:
            return None
        for uri, options in feeds.items():
            why = self._unusable(str(uri), options or {})
            if why:
                return mask_url(f"feed {uri} cannot be used: {why}; nothing was fetched")
        return "Scrapy's feed exporter is not enabled (see the error above); nothing was fetched"

    def _unusable(self, uri: str, options: dict[str, Any]) -> str | None:
        from urllib.parse import urlparse

        scheme = urlparse(uri).scheme
        storages = self.settings.getwithbase("FEED_STORAGES")
        if scheme not in storages and not (len(scheme) == 1 and scheme.isalpha()):  # a Windows drive is a file
            return f"no feed storage for scheme {scheme!r}"
        try:
            build_from_crawler(load_object(storages.get(scheme) or storages["file"]), self.crawler, uri,
                               feed_options=options)
        except NotConfigured as exc:
            return f"its storage ({scheme or 'file'}) is disabled: {exc or 'not configured'}"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        fmt = options.get("format") or Path(uri).suffix.lstrip(".")
        if fmt not in self.settings.getwithbase("FEED_EXPORTERS"):
            return f"unknown feed format {fmt!r}"
        return None

    def _beat(self) -> None:
        if self.delivery is None:
            return
        try:
            self.delivery.beat()
        except StoreLost as exc:
            fail(self.crawler, f"{exc}; stopped (what was not delivered is fetched again once the store is "
                               "adopted or reset)", close_reason="state_lost")
        except StoreError as exc:
            fail(self.crawler, f"{exc}; stopped", close_reason="state_unavailable")

    # -- what the spider and the pipelines ask --------------------------------------
    @property
    def index(self):
        if self.delivery is None:
            raise StoreError("the state store is not open (the run did not start)")
        return self.delivery.index

    def is_handled(self, key: str) -> bool:
        return self.delivery is not None and self.delivery.seen.is_handled(key)

    def claim(self, key: str) -> asyncio.Future:
        """A future for whether this run now holds ``key``; the claims of one loop turn go in one write."""
        return self._claims.add(key)

    def _write_claims(self, keys: list[str]) -> list[bool]:
        try:
            if self.delivery is None:
                raise StoreError("the state store is not open")
            claimed = self.delivery.claim(keys)
        except StoreError as exc:
            self._store_failed(exc)
            raise
        self.counts["duplicate"] += claimed.count(False)
        return claimed

    def _store_failed(self, exc: StoreError) -> None:
        reason = "state_lost" if isinstance(exc, StoreLost) else "state_unavailable"
        fail(self.crawler, f"{exc}; stopped", close_reason=reason)

    # -- delivery ------------------------------------------------------------------
    def _watched(self) -> list[FeedWatch]:
        """The feeds, including a batch slot the exporter started since the last item."""
        exporter = self.crawler.get_extension(FeedExporter)
        known = {id(w.slot) for w in self.watches}
        for slot in exporter.slots if exporter is not None else ():
            if id(slot) not in known:
                if not isinstance(slot.storage, (FileFeedStorage, ObservedStorage)):
                    slot.storage = ObservedStorage(slot.storage)
                self.watches.append(FeedWatch(slot))
        return self.watches

    def item_scraped(self, item, response=None, spider=None):
        key = story_key(item)
        if self.delivery is None or key not in self.delivery.claimed:
            return
        if ItemAdapter(item).get("truncated"):
            self.truncated.add(key)
        outcomes = [watch.took(item, key) for watch in self._watched()]
        if "failed" in outcomes:
            return  # not in every feed: let go at the end of the run
        waiting = outcomes.count("waiting")
        if waiting:
            self.owed[key] = waiting
        else:
            self._delivered(key)

    def _delivered(self, key: str) -> None:
        self.written.add(key)
        if not self._done_soon:
            self._done_soon = True
            asyncio.get_running_loop().call_soon(self._write_done)

    def _write_done(self) -> None:
        self._done_soon = False
        keys = sorted(self.written)
        if not keys or self.delivery is None:
            return
        try:
            self.delivery.done(keys, truncated=self.truncated.intersection(keys))
        except StoreError as exc:  # they stay pending: the next run finds them in the feed
            self._store_failed(exc)
            return
        self.written.difference_update(keys)
        self.exported += len(keys)

    def feed_slot_closed(self, slot):
        watch = next((w for w in self.watches if w.slot is slot), None)
        if watch is None or watch.durable:
            return
        if watch.error:
            logger.error("%s", mask_url(f"feed {slot.uri} was not stored: {watch.error}"))
            return
        for key in watch.waiting:
            self.owed[key] -= 1
            if not self.owed[key]:
                del self.owed[key]
                self._delivered(key)
        watch.waiting.clear()

    def feed_exporter_closed(self):
        for watch in self.watches:
            if watch.durable and watch.slot.itemcount == 0:
                watch.slot.storage.discard()
        if self._feeds_closed is not None and not self._feeds_closed.done():
            self._feeds_closed.set_result(None)

    # -- rejects -------------------------------------------------------------------
    def _write_reject(self, record: dict[str, Any]) -> bool:
        if self.rejects_path is None:
            return False
        try:
            if self._rejects is None:
                self._rejects = JsonlWriter(self.rejects_path)
            self._rejects.write(record)
        except OSError as exc:
            fail(self.crawler, f"cannot write the rejects file {self.rejects_path}: {exc.strerror or exc}; stopped",
                 close_reason="rejects_write_failed")
            return False
        self.rejects_written += 1
        self.stats.inc_value("newscrawl/rejects_written")
        return True

    def _closed_by_reject(self, key: str | None, reason: str, written: bool) -> None:
        if self.delivery is None or key is None:
            return
        try:
            if written and reason in HANDLED_REASONS:
                self.delivery.done([key])
            else:
                self.delivery.release([key])
        except StoreError as exc:
            self._store_failed(exc)

    def item_dropped(self, item, response=None, exception=None, spider=None):
        record = exported_fields(item)
        rejection = getattr(exception, "rejection", None)
        if rejection is not None:
            record.update(reason=rejection.reason, detail=rejection.detail, step=getattr(exception, "step", None),
                          duplicate_of=rejection.duplicate_of)
        else:
            record.update(reason="dropped", detail=str(exception))
            self.stats.inc_value("newscrawl/dropped/dropped")
        if record["reason"] == "duplicate":
            self.stats.inc_value("newscrawl/dropped/duplicate")
        key = story_key(item)
        written = self._write_reject(record)
        if self.delivery is not None and key in self.delivery.claimed:
            self._closed_by_reject(key, record["reason"], written)

    def item_error(self, item, response=None, spider=None, failure=None):
        record = exported_fields(item)
        record.update(reason="error", detail=repr(failure.value) if failure is not None else "")
        self.stats.inc_value("newscrawl/dropped/error")
        written = self._write_reject(record)
        key = story_key(item)
        if self.delivery is not None and key in self.delivery.claimed:
            self._closed_by_reject(key, "error", written)

    def story_gone(self, key: str, url: str, status: int):
        """A story page answered 404/410: it is closed, and said so in the rejects file."""
        self.counts["gone"] += 1
        record = {"url": url, "story_id": key, "reason": "gone", "detail": f"HTTP {status}"}
        self._closed_by_reject(key, "gone", self._write_reject(record))

    # -- closing -------------------------------------------------------------------
    async def spider_closed(self, spider, reason):
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        if self.delivery is not None:
            if self.crawler.get_extension(FeedExporter) is not None and self._feeds_closed is not None:
                await self._feeds_closed
            self._settle()
        if self._rejects is not None:
            try:
                self._rejects.close()
            except OSError as exc:
                fail(self.crawler, f"cannot write the rejects file {self.rejects_path}: {exc.strerror or exc}")
        await self.crawler.signals.send_catch_log_async(signal=newscrawl_signals.run_settled, ledger=self,
                                                        spider=spider, reason=reason)
        if self.delivery is not None:
            self.delivery.stores.close()

    def _settle(self) -> None:
        """Every claim of the run ends here: delivered, let go, or (when the store fails) left pending."""
        delivery = self.delivery
        self._write_done()
        undelivered = sorted(delivery.claimed - self.written)
        try:
            delivery.release(undelivered)
            self.settlement = delivery.finish(status="failed" if self.stats.get_value(FAILURE_KEY) else "finished")
        except StoreError as exc:
            self._store_failed(exc)
        self.settlement["pending_left"] = len(delivery.claimed)
        self.settlement["undelivered"] = len(undelivered)
        broken = next((w for w in self.watches if w.error), None)
        if undelivered and broken is not None:
            self.stats.set_value(FAILURE_KEY, mask_url(f"cannot write feed {broken.slot.uri}: {broken.error}; "
                                                       f"{len(undelivered)} stories left for the next run"))
        elif undelivered and not self.stats.get_value(FAILURE_KEY) and any(w.slot.itemcount for w in self.watches):
            fail(self.crawler, f"{len(undelivered)} stories did not reach every feed; left for the next run")
        if self.settlement.get("index_expired") or self.settlement.get("handled_expired"):
            logger.info("state: %d index entries and %d handled stories past %g days of retention forgotten",
                        self.settlement.get("index_expired", 0), self.settlement.get("handled_expired", 0),
                        self.settings.getfloat("NEWSCRAWL_STATE_RETENTION_DAYS"))

    # -- what the summary reads -----------------------------------------------------
    def describe(self) -> dict[str, Any]:
        delivery = self.delivery
        identity = delivery.stores.identity if delivery is not None else None
        return {
            "run": self.run_id,
            "host": socket.gethostname(),
            "feeds": [mask_url(w.slot.uri) for w in self.watches],
            "rejects": str(self.rejects_path) if self.rejects_path else None,
            "store": {"location": identity.location, "id": identity.id, "created": identity.created}
            if identity else None,
            "exported": self.exported,
            "closed_by_rejects": (delivery.delivered if delivery else 0) - self.exported,
            "duplicates": self.counts["duplicate"],
            "gone": self.counts["gone"],
            "released": delivery.released if delivery else 0,
            "recovered_done": self.recovery.done,
            "recovered_refetch": self.recovery.refetch,
            **self.settlement,
        }
