"""log_event for callers that must never wait or fail: a bounded buffer flushed in batches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from questlog.events import EventBase
from questlog.ingest.service import Ingestor, as_item

log = logging.getLogger(__name__)


@dataclass
class BufferStats:
    buffered: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    dropped: int = 0  # did not fit in the buffer
    failed: int = 0  # MongoDB kept failing after every retry


class BestEffortLogger:
    """`log_nowait` never raises and never blocks; a background task writes in batches.

    Invalid events are quarantined by the ingestor like any other rejection; events
    that do not fit in the buffer, or whose batch MongoDB refused after every retry,
    are counted in `stats`.
    """

    def __init__(
        self, ingestor: Ingestor, *, capacity: int = 10_000, batch_size: int = 500,
        interval: float = 0.25,
    ) -> None:
        self._ingestor = ingestor
        self._buffer: deque[Mapping[str, Any] | EventBase] = deque()
        self._capacity = capacity
        self._batch_size = batch_size
        self._interval = interval
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.stats = BufferStats()

    def log_nowait(self, event: EventBase | Mapping[str, Any]) -> bool:
        """Buffer `event` for writing; False when the buffer is full and it was dropped."""
        try:
            if len(self._buffer) >= self._capacity:
                self.stats.dropped += 1
                return False
            self._buffer.append(event)
            if len(self._buffer) >= self._batch_size:
                self._wakeup.set()
            return True
        except Exception:  # never into the caller
            log.exception("best-effort log_event failed")
            return False

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._flush_forever(), name="questlog-best-effort")

    async def stop(self) -> None:
        """Flush what is buffered, then stop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def flush(self) -> None:
        while self._buffer:
            batch = [self._buffer.popleft() for _ in range(min(self._batch_size, len(self._buffer)))]
            items = [as_item(e) for e in batch]
            try:
                result = await self._ingestor.ingest(items)
            except Exception:
                self.stats.failed += len(items)
                log.exception("best-effort batch of %d events not written", len(items))
                continue
            self.stats.accepted += result.accepted
            self.stats.duplicates += result.duplicates
            self.stats.rejected += result.rejected

    async def _flush_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._interval)
            self._wakeup.clear()
            await self.flush()
