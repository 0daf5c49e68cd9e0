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
    buffered: int = 0  # waiting to be written
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    dropped: int = 0  # did not fit in the buffer
    failed: int = 0  # MongoDB kept failing after every retry


class BestEffortLogger:
    """`log_nowait` never raises and never blocks; a background task writes in batches.

    Invalid events are quarantined by the ingestor like any other rejection; events
    that do not fit in the buffer, or whose batch MongoDB refused after every retry,
    are counted in `stats`. An event's fields are copied when it is logged, so the
    caller may reuse its dict at once.
    """

    def __init__(
        self, ingestor: Ingestor, *, capacity: int = 10_000, batch_size: int = 500,
        interval: float = 0.25,
    ) -> None:
        self._ingestor = ingestor
        self._buffer: deque[dict[str, Any]] = deque()
        self._capacity = capacity
        self._batch_size = batch_size
        self._interval = interval
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._stats = BufferStats()

    def log_nowait(self, event: EventBase | Mapping[str, Any]) -> bool:
        """Buffer `event` for writing; False when the buffer is full and it was dropped."""
        try:
            if len(self._buffer) >= self._capacity:
                self._stats.dropped += 1
                return False
            self._buffer.append(as_item(event))
            if len(self._buffer) >= self._batch_size:
                self._wakeup.set()
            return True
        except Exception:  # never into the caller; not even an event: count it as rejected
            self._stats.rejected += 1
            log.exception("best-effort log_event got %r, not an event", type(event).__name__)
            return False

    @property
    def stats(self) -> BufferStats:
        return BufferStats(**{**vars(self._stats), "buffered": len(self._buffer)})

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._flush_forever(), name="questlog-best-effort")

    async def stop(self) -> None:
        """Flush what is buffered, then stop.

        The writer task is asked to finish rather than cancelled: a cancelled batch
        would be lost, half written, and neither stored nor counted.
        """
        if self._task is not None:
            self._stopping = True
            self._wakeup.set()
            await self._task
            self._task = None
        await self.flush()

    async def flush(self) -> None:
        while self._buffer:
            size = min(self._batch_size, len(self._buffer))
            batch = [self._buffer.popleft() for _ in range(size)]
            try:
                result = await self._ingestor.ingest(batch)
            except Exception:
                self._stats.failed += len(batch)
                log.exception("best-effort batch of %d events not written", len(batch))
                continue
            self._stats.accepted += result.accepted
            self._stats.duplicates += result.duplicates
            self._stats.rejected += result.rejected

    async def _flush_forever(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._interval)
            self._wakeup.clear()
            await self.flush()
