"""A small typed publish/subscribe bus inside one process.

Messages are keyed by their class. `publish` never blocks and never raises: it puts
the message on a bounded queue and counts what did not fit. One task delivers the
queue to the handlers in order; a failing handler is logged and counted, and
neither the publisher nor the other handlers see its failure.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from questlog.tasks import cancel

log = logging.getLogger(__name__)

M = TypeVar("M")
Handler = Callable[[Any], Awaitable[None]]


@dataclass
class BusStats:
    published: int = 0
    delivered: int = 0
    dropped: int = 0
    failed: int = 0
    queued: int = 0


class Bus:
    def __init__(self, *, max_queue: int) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=max_queue)
        self._task: asyncio.Task[None] | None = None
        self._stats = BusStats()

    def subscribe(self, message_type: type[M], handler: Callable[[M], Awaitable[None]]) -> None:
        self._handlers[message_type].append(handler)

    def publish(self, message: object) -> bool:
        """Queue `message` for delivery; False (and counted as dropped) when the queue is full."""
        if not self._handlers.get(type(message)):
            return True
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self._stats.dropped += 1
            log.warning("bus queue full: dropped a %s", type(message).__name__)
            return False
        self._stats.published += 1
        return True

    @property
    def stats(self) -> BusStats:
        return BusStats(**{**vars(self._stats), "queued": self._queue.qsize()})

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._deliver_forever(), name="questlog-bus")

    async def drain(self) -> None:
        """Wait until every queued message has been delivered."""
        await self._queue.join()

    async def stop(self) -> None:
        """Deliver what is queued, then stop."""
        if self._task is None:
            return
        await self.drain()
        await cancel(self._task)
        self._task = None

    async def _deliver_forever(self) -> None:
        while True:
            message = await self._queue.get()
            try:
                await self._deliver(message)
            finally:
                self._queue.task_done()

    async def _deliver(self, message: object) -> None:
        for handler in self._handlers.get(type(message), ()):
            try:
                await handler(message)
            except Exception:
                self._stats.failed += 1
                log.exception("bus handler %r failed on %s", handler, type(message).__name__)
            else:
                self._stats.delivered += 1
