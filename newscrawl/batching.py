"""Work asked for during one turn of the event loop, done in one call.

Why: in a crawl, the stories a cleaning worker hands back, or that reach a
pipeline together, arrive within one turn of the asyncio loop; a store write
(a claim, a near-duplicate transaction) costs more in its commit than in the
work, so doing them one call per turn instead of one per story saves most of
it. ``TurnBatch(do)``: ``add(x)`` returns a future for ``x``'s result;
at the end of the turn ``do([x...])`` returns the results in order, or raises,
and then every future of the batch gets that error.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Generic, Sequence, TypeVar

T = TypeVar("T")


class TurnBatch(Generic[T]):
    def __init__(self, do: Callable[[list[T]], Sequence[Any]]):
        self._do = do
        self._batch: list[tuple[T, asyncio.Future]] = []

    def add(self, item: T) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        if not self._batch:
            loop.call_soon(self._run)
        self._batch.append((item, waiter))
        return waiter

    def _run(self) -> None:
        batch, self._batch = self._batch, []
        try:
            results = self._do([item for item, _ in batch])
        except Exception as exc:  # each waiter meets the error on its own
            for _, waiter in batch:
                if not waiter.done():
                    waiter.set_exception(exc)
            return
        for (_, waiter), result in zip(batch, results):
            if not waiter.done():
                waiter.set_result(result)
