"""`questlog bench rollup`: how long the daily and weekly rollups take over N events.

N synthetic politics events (the mix of seed 003, 1000 players in 50 companies),
spread over the 14 days before today, go through check_event into a scratch
database with the indexes of the events collection, by big unordered batches. Then
every day is rolled up from the raw events and every week from the days, timed
apart. The scratch database is dropped afterwards. Target: 1,000,000 events in under
5 s on a real MongoDB; the embedded store (mongomock) has no indexes and is far
slower, so its figures only compare runs with each other.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from questlog.bench.raw import WIDE_LIMITS
from questlog.bench.report import Figure, progress, rate
from questlog.bench.synthetic import chunked, politics_events
from questlog.ingest.validation import Context, Rejection, check_event
from questlog.stats.documents import DailyStat, WeeklyStat
from questlog.stats.periods import Calendar, days_from, weeks_of
from questlog.stats.rollup import Rollup, Tally
from questlog.store.connection import Connection
from questlog.store.documents import StoredEvent
from questlog.store.types import MotorDatabase

DAYS = 14
TARGET_EVENTS, TARGET_SECONDS = 1_000_000, 5.0


@dataclass(frozen=True)
class RollupFigures:
    events: int
    load_seconds: float
    days: int
    daily: Tally
    daily_seconds: float
    weeks: int
    weekly: Tally
    weekly_seconds: float
    store: str

    def figures(self) -> list[Figure]:
        total = self.daily_seconds + self.weekly_seconds
        scaled = total * TARGET_EVENTS / self.events if self.events else 0.0
        return [
            ("loaded", f"{self.events} events in {self.load_seconds:.2f} s "
                       f"({rate(self.events, self.load_seconds)} events/s)"),
            ("daily rollup", f"{self.days} days in {self.daily_seconds:.2f} s: "
                             f"{self.daily.events_read} events read "
                             f"({rate(self.daily.events_read, self.daily_seconds)} events/s), "
                             f"{self.daily.written} buckets written"),
            ("weekly rollup", f"{self.weeks} weeks in {self.weekly_seconds:.2f} s: "
                              f"{self.weekly.written} buckets written from daily buckets"),
            ("total rollup", f"{total:.2f} s; at this rate 1,000,000 events take "
                             f"{scaled:.1f} s (target < {TARGET_SECONDS:.0f} s on real MongoDB)"),
        ]


def synthetic_documents(count: int, *, days: list[date], calendar: Calendar,
                        now: datetime) -> Iterator[dict[str, Any]]:
    """`count` events as ingestion stores them, their event times spread over `days`."""
    rng = random.Random(7)
    start = calendar.midnight(days[0])
    span = (calendar.midnight(days[-1] + timedelta(days=1)) - start).total_seconds()
    context = Context(received_at=now, ingest_id=secrets.token_hex(16), company_salt="bench")
    for index, event in enumerate(politics_events(count, now=now)):
        occurred = start + timedelta(seconds=rng.uniform(0, span))
        event["occurred_at"] = occurred.astimezone(UTC).isoformat()
        checked = check_event(event, index=index, limits=WIDE_LIMITS, context=context)
        if isinstance(checked, Rejection):
            raise AssertionError(f"a synthetic event was rejected: {checked.message}")
        yield checked


async def bench_rollup(
    *, connection: Connection, database: str, time_zone: str, events: int, batch: int
) -> RollupFigures:
    client = connection.client
    scratch = f"{database}_bench_rollup_{secrets.token_hex(4)}"
    db = client[scratch]
    calendar = Calendar(time_zone)
    now = datetime.now(UTC)
    today = calendar.day_of(now)
    days = days_from(today - timedelta(days=DAYS), today - timedelta(days=1))
    documents = synthetic_documents(events, days=days, calendar=calendar, now=now)
    try:
        load_seconds = await _load(db, documents, events, batch)
        rollup = Rollup(events=db[StoredEvent.Settings.name], daily=db[DailyStat.Settings.name],
                        weekly=db[WeeklyStat.Settings.name], calendar=calendar)
        daily, started = Tally(), time.perf_counter()
        for day in days:
            daily.add(await rollup.day(day))
        daily_seconds = time.perf_counter() - started
        weeks, weekly, started = weeks_of(days), Tally(), time.perf_counter()
        for monday in weeks:
            weekly.add(await rollup.week(monday))
        weekly_seconds = time.perf_counter() - started
    finally:
        await client.drop_database(scratch)
    return RollupFigures(
        events=events, load_seconds=load_seconds, days=len(days), daily=daily,
        daily_seconds=daily_seconds, weeks=len(weeks), weekly=weekly,
        weekly_seconds=weekly_seconds, store=connection.where,
    )



async def _load(
    db: MotorDatabase, documents: Iterator[dict[str, Any]], count: int, batch: int
) -> float:
    events = db[StoredEvent.Settings.name]
    await events.create_indexes(StoredEvent.Settings.indexes)
    for document in (DailyStat, WeeklyStat):
        await db[document.Settings.name].create_indexes(document.Settings.indexes)
    seconds = 0.0
    with progress(count, "events") as bar:
        for chunk in chunked(documents, batch):
            started = time.perf_counter()  # generating the events is not the store's time
            await events.insert_many(chunk, ordered=False)
            seconds += time.perf_counter() - started
            bar.update(len(chunk))
    return seconds
