"""Feed files that survive a crash: every exported line reaches the OS at once.

Scrapy's ``FileFeedStorage`` opens feeds buffered, so a SIGKILL loses the last
few kilobytes of lines and the state store cannot tell which stories really
made it. ``DurableFileFeedStorage`` opens them unbuffered (one ``write`` per
line) and fsyncs on close; ``jsonl.JsonlWriter`` does the same for the rejects file.
A story is marked handled only after its line is written (see ``state``).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import IO, Any

from scrapy.extensions.feedexport import FileFeedStorage

logger = logging.getLogger(__name__)


class DurableFileFeedStorage(FileFeedStorage):
    crawler = None

    @classmethod
    def from_crawler(cls, crawler, uri, *, feed_options=None):
        storage = cls(uri, feed_options=feed_options)
        storage.crawler = crawler
        return storage

    def open(self, spider) -> IO[bytes]:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return GuardedFeedFile(path.open(self.write_mode, buffering=0), path, self.crawler)

    def store(self, file: IO[bytes]):
        try:
            file.flush()
            os.fsync(file.fileno())
        except (OSError, ValueError):
            pass  # already closed or not a real file: nothing more to make durable
        try:
            file.close()
        except OSError as exc:
            logger.error("closing feed %s: %s", self.path, exc)
        return None


class GuardedFeedFile:
    """A feed file that stops the run cleanly when a line cannot be written (disk full, I/O error).

    The first failed write sets ``newscrawl/failure`` to one line naming the file and the error
    (``scrapy crawl`` exits 1 with it) and closes the spider. Each story whose line failed (the
    first, and those still in flight) gets its *handled* mark taken back right after the ledger set
    it, so the next run fetches it again. The error is not re-raised: it is reported once, here.
    """

    def __init__(self, file: IO[bytes], path: Path, crawler=None):
        self._file = file
        self.path = path
        self.crawler = crawler
        self.failed: OSError | None = None

    def write(self, data: bytes) -> int:
        if self.failed is None:
            try:
                return self._file.write(data)
            except OSError as exc:
                self.failed = exc
                self._stop(exc)
        self._unmark(data)
        return 0

    def _stop(self, exc: OSError) -> None:
        message = f"cannot write feed {self.path}: {exc.strerror or exc}; stopped (stories not written stay unhandled)"
        logger.error(message)
        if self.crawler is None:
            raise exc
        from newscrawl.commands.crawl import FAILURE_KEY

        stats = self.crawler.stats
        if not stats.get_value(FAILURE_KEY):
            stats.set_value(FAILURE_KEY, message)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason="feed_write_failed"))

    def _unmark(self, data: bytes) -> None:
        if self.crawler is None:
            return
        from twisted.internet import reactor

        self.crawler.stats.inc_value("newscrawl/feed_write_failed")
        key = _record_key(data)
        if key:  # after the ledger's own item_scraped handler has marked it done
            reactor.callLater(0, _unmark, self.crawler, key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


def _record_key(data: bytes) -> str | None:
    try:
        record = json.loads(data)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    key = record.get("story_id") or record.get("url")
    return str(key) if key else None


def _unmark(crawler, key: str) -> None:
    """Forget ``key`` in the story store so a later run fetches the story again."""
    try:
        from newscrawl.state import stores_for

        stores_for(crawler).seen.forget([key])
    except Exception as exc:  # the store is closing or gone: the pending mark already makes it refetched
        logger.warning("could not unmark story %s after a failed feed write: %s", key, exc)
