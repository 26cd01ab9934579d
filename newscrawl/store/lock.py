"""One run at a time on an embedded store: an exclusive lock held for the whole run.

SQLite serialises single writes, but not runs: two crawls of one spider on one
data directory would both fetch and export the stories neither had handled
when it started. ``RunLock`` is an ``flock`` on ``<store>.lock``, held from
the start of a run to its end and released by the kernel when the process
dies (so a SIGKILL never leaves a stale lock). The holder writes who it is
into the file, so the run that is refused can say which run holds it.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any

from newscrawl.store.base import StoreLocked

_POLL = 0.1  # seconds between attempts while waiting for the lock


class RunLock:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self, owner: dict[str, Any], wait: float = 0.0, what: str = "the state store") -> "RunLock":
        """Take the lock, waiting up to ``wait`` seconds; ``StoreLocked`` naming the holder otherwise."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder(fd)
                    os.close(fd)
                    waited = f" (waited {wait:g}s)" if wait > 0 else ""
                    raise StoreLocked(f"{what} is in use by another run{holder}{waited}; "
                                      "one run of a spider at a time on an embedded store") from None
                time.sleep(_POLL)
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(owner, sort_keys=True) + "\n").encode("utf-8"), 0)
        self._fd = fd
        return self

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        except (OSError, ValueError):
            return ""
        parts = [f"{k} {info[k]}" for k in ("run", "pid", "host") if info.get(k)]
        return f" ({', '.join(parts)})" if parts else ""

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None
