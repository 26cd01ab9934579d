"""Feed files that survive a crash: every exported line reaches the OS at once.

Scrapy's ``FileFeedStorage`` opens feeds buffered, so a SIGKILL loses the last
few kilobytes of lines and the ledger cannot tell which stories really made
it. ``DurableFileFeedStorage`` writes each line with one unbuffered write (all
of it, or an error), fsyncs on close, and removes the file again when the run
wrote nothing to it. A write that fails (disk full, I/O error) stops the run
once, through ``newscrawl.outcome.fail``; the ledger sees it (``failed``) and
counts no story as delivered to this feed from then on.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import IO, Any

from scrapy.extensions.feedexport import FileFeedStorage

from newscrawl.outcome import fail

logger = logging.getLogger(__name__)


class DurableFileFeedStorage(FileFeedStorage):
    crawler = None

    @classmethod
    def from_crawler(cls, crawler, uri, *, feed_options=None):
        storage = cls(uri, feed_options=feed_options)
        storage.crawler = crawler
        return storage

    def __init__(self, uri, *, feed_options=None):
        super().__init__(uri, feed_options=feed_options)
        self.file: GuardedFeedFile | None = None
        self.created = False  # the file did not exist before this run opened it
        self.stored: bool | None = None  # set by store(): the file is closed and synced, or not

    def open(self, spider) -> IO[bytes]:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.created = not path.exists()
        self.file = GuardedFeedFile(path.open(self.write_mode, buffering=0), path, self.crawler)
        return self.file

    def store(self, file: IO[bytes]):
        try:
            os.fsync(file.fileno())
            file.close()
        except (OSError, ValueError) as exc:
            self.stored = False
            logger.error("closing feed %s: %s", self.path, exc)
        else:
            self.stored = self.file is None or self.file.failed is None
        return None

    def discard(self) -> None:
        """Close a feed that took no item, and remove it if this run created it: a run with no new
        story (or one that failed before its first) leaves no empty feed file behind."""
        if self.file is None or self.stored is not None:
            return
        try:
            self.file.close()
            if self.created and Path(self.path).is_file() and os.path.getsize(self.path) == 0:
                os.unlink(self.path)
        except (OSError, ValueError) as exc:
            logger.warning("closing empty feed %s: %s", self.path, exc)


class GuardedFeedFile:
    """A feed file that stops the run cleanly when a line cannot be written (disk full, I/O error).

    The first failed write records the error (``failed``), sets the run's failure to one
    line naming the file, and closes the spider; later writes are not attempted. The error
    is not raised: it is reported once, here, and the ledger leaves the stories it did not
    see written for the next run.
    """

    def __init__(self, file: IO[bytes], path: Path, crawler=None):
        self._file = file
        self.path = path
        self.crawler = crawler
        self.failed: OSError | None = None
        self.written = 0  # bytes written by this run

    def write(self, data: bytes) -> int:
        if self.failed is not None:
            return 0
        view = memoryview(data)
        try:
            while view:
                n = self._file.write(view)
                if not n:
                    raise OSError(f"wrote nothing of {len(view)} bytes")
                view = view[n:]
                self.written += n
        except OSError as exc:
            self.failed = exc
            self._stop(exc)
            return 0
        return len(data)

    def _stop(self, exc: OSError) -> None:
        message = f"cannot write feed {self.path}: {exc.strerror or exc}"
        if self.crawler is None:
            raise exc
        fail(self.crawler, message, close_reason="feed_write_failed")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)
