"""Seed 002's nightly data-quality assertions, per day:

- sessions: the sessions seen (distinct session_id of the gameplay events) against the
  session_start events; a session without its start, or a start without events, is a
  loss somewhere between the client and the store;
- storage: the events ingestion acknowledged as stored (IngestCounter, counted by every
  process) against the events stored with a received_at that day.

The variance of a check is |expected - observed| / max(expected, observed); past
THRESHOLD the run carries a warning and the metric shows it. The figures are pure
functions; the counts come from two small queries.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from questlog.ops.documents import IngestCounter
from questlog.ops.export.columns import CATALOG_OF_TYPE
from questlog.stats.periods import Calendar
from questlog.store.types import MotorCollection
from questlog.tasks import cancel

log = logging.getLogger(__name__)

THRESHOLD = 0.03
GAMEPLAY_TYPES = sorted(t for t, c in CATALOG_OF_TYPE.items() if c == "gameplay")
FLUSH_SECONDS = 10.0


@dataclass(frozen=True)
class CheckResult:
    check: str
    expected: int
    observed: int

    @property
    def variance(self) -> float:
        larger = max(self.expected, self.observed)
        return abs(self.expected - self.observed) / larger if larger else 0.0

    @property
    def warning(self) -> str | None:
        if self.variance <= THRESHOLD:
            return None
        return (f"{self.check}: {self.observed} observed against {self.expected} expected, "
                f"a variance of {self.variance:.1%} (more than {THRESHOLD:.0%})")


def variance_figures(day: date, results: Sequence[CheckResult]) -> dict[str, float]:
    figures: dict[str, float] = {}
    for r in results:
        figures[f"{r.check}.expected"] = r.expected
        figures[f"{r.check}.observed"] = r.observed
        figures[f"{r.check}.variance"] = round(r.variance, 6)
    return figures


async def check_day(
    *, events: MotorCollection, calendar: Calendar, day: date
) -> list[CheckResult]:
    start, end = calendar.midnight(day), calendar.midnight(day + timedelta(days=1))
    in_day = {"event_time": {"$gte": start, "$lt": end}}
    starts = await events.count_documents({**in_day, "type": "session_start"})
    sessions = events.aggregate([
        {"$match": {**in_day, "type": {"$in": GAMEPLAY_TYPES}, "session_id": {"$ne": None}}},
        {"$group": {"_id": "$session_id"}},
        {"$count": "n"},
    ])
    seen = [row["n"] async for row in sessions]
    received = {"received_at": {"$gte": start, "$lt": end}}
    stored = await events.count_documents(received)
    counter = await IngestCounter.get_motor_collection().find_one({"_id": day.isoformat()})
    acknowledged = int(counter["accepted"]) if counter else 0
    return [
        CheckResult("sessions", expected=seen[0] if seen else 0, observed=starts),
        CheckResult("storage", expected=acknowledged, observed=stored),
    ]


class AcknowledgedCounter:
    """Counts stored events per received day in memory and adds them to MongoDB on a beat
    (and at close): one small upsert per day every few seconds, not one per batch."""

    def __init__(self, calendar: Calendar, clock: Callable[[], datetime]) -> None:
        self._calendar, self._clock = calendar, clock
        self._pending: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None

    def add(self, documents: Sequence[dict[str, Any]]) -> None:
        # A batch shares one received_at: one day_of per distinct instant, not per event.
        for moment, count in Counter(d["received_at"] for d in documents).items():
            self._pending[self._calendar.day_of(moment).isoformat()] += count

    async def flush(self) -> None:
        pending, self._pending = self._pending, Counter()
        collection = IngestCounter.get_motor_collection()
        for day, count in pending.items():
            try:
                await collection.update_one({"_id": day}, {"$inc": {"accepted": count}},
                                            upsert=True)
            except Exception as exc:  # kept for the next beat
                self._pending[day] += count
                log.warning("could not count %d acknowledged events of %s: %s", count, day, exc)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._beat(), name="questlog-ack-counter")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None
        await self.flush()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self.flush()
