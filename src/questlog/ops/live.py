"""The gauges of live state, refreshed from their sources before a scrape and on a beat.

Each source is read by a small function; one that fails (the store is down) leaves
its gauge as it was and never fails the scrape. Cumulative drop counts of the bus
and the best-effort buffer become increments of analytics_drop_total.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from questlog.ops.metrics import Metrics
from questlog.tasks import cancel

log = logging.getLogger(__name__)

REFRESH_SECONDS = 10.0
TASK_NAME = "questlog-live-gauges"


@dataclass(frozen=True)
class QueueReading:
    depth: int
    dropped: int  # cumulative since the process started


@dataclass(frozen=True)
class EvaluatorReading:
    pending: int
    lag_seconds: float


@dataclass
class LiveSources:
    queues: dict[str, Callable[[], QueueReading]]
    store_up: Callable[[], Awaitable[bool]]
    evaluator: Callable[[], Awaitable[EvaluatorReading]] | None = None
    sessions_open: Callable[[], Awaitable[int]] | None = None
    # job name -> the time its next run is due (None when not scheduled here)
    job_due: Callable[[], dict[str, datetime | None]] | None = None
    clock: Callable[[], datetime] | None = None


def job_lag(due: datetime | None, now: datetime) -> float:
    """Seconds a job is behind: how long ago its next run fell due, else 0."""
    if due is None:
        return 0.0
    return max((now - due).total_seconds(), 0.0)


class LiveGauges:
    def __init__(self, metrics: Metrics, sources: LiveSources) -> None:
        self._metrics, self._sources = metrics, sources
        self._dropped_seen: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def refresh(self) -> None:
        m, s = self._metrics, self._sources
        for name, read in s.queues.items():
            reading = read()
            m.queue_depth.labels(queue=name).set(reading.depth)
            new = reading.dropped - self._dropped_seen.get(name, 0)
            if new > 0:
                m.queue_drops.labels(queue=name).inc(new)
            self._dropped_seen[name] = reading.dropped
        try:
            m.store_up.set(1 if await s.store_up() else 0)
        except Exception:
            m.store_up.set(0)
        if s.evaluator is not None:
            try:
                lag = await s.evaluator()
            except Exception as exc:  # the store is down: store_up says so
                log.debug("evaluator lag unavailable: %s", exc)
            else:
                m.evaluator_pending.set(lag.pending)
                m.evaluator_lag.set(lag.lag_seconds)
        if s.sessions_open is not None:
            try:
                m.sessions_open.set(await s.sessions_open())
            except Exception as exc:  # the store is down: store_up says so
                log.debug("open sessions unavailable: %s", exc)
        if s.job_due is not None and s.clock is not None:
            now = s.clock()
            for job, due in s.job_due().items():
                m.job_lag.labels(job=job).set(job_lag(due, now))

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._beat(), name=TASK_NAME)

    async def stop(self) -> None:
        if self._task is not None:
            self._stopping.set()
            await cancel(self._task)
            self._task = None

    async def _beat(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.refresh()
            except Exception:
                log.exception("could not refresh the live gauges")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(REFRESH_SECONDS):
                    await self._stopping.wait()
