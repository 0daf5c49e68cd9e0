"""Rebuilding one bucket period whole: a day from raw events, a week from its seven days.

The rollup is a hot path, so it works on the Motor collections directly: the day's
$group runs inside MongoDB (see pipeline.py), the buckets go back in one unordered
bulk_write of ReplaceOne upserts, and nothing is ever incremented. Rebuilding a
period twice, or from two processes at once, writes the same documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo import ReplaceOne

from questlog.stats.buckets import Span, aggregate_of, bucket_documents, owner_of, owners_of
from questlog.stats.fields import shape_of
from questlog.stats.periods import Calendar, Period
from questlog.stats.pipeline import day_pipeline, read_row, types_pipeline

WRITE_CHUNK = 1000


@dataclass
class Tally:
    events_read: int = 0
    written: int = 0
    deleted: int = 0

    def add(self, other: Tally) -> None:
        self.events_read += other.events_read
        self.written += other.written
        self.deleted += other.deleted


class Rollup:
    def __init__(
        self, *, events: AsyncIOMotorCollection, daily: AsyncIOMotorCollection,
        weekly: AsyncIOMotorCollection, calendar: Calendar,
    ) -> None:
        self._events, self._daily, self._weekly = events, daily, weekly
        self._calendar = calendar

    def span(self, period: Period, start: date) -> Span:
        starts_at, ends_at = self._calendar.bounds(period, start)
        return Span(period, start, starts_at, ends_at, self._calendar.time_zone)

    async def day(self, day: date) -> Tally:
        """Rebuild every bucket of `day` from the raw events whose event_time falls in it."""
        span = self.span("daily", day)
        window = (span.starts_at, span.ends_at)
        types = [row["_id"] async for row in self._events.aggregate(types_pipeline(*window))]
        documents, events_read = [], 0
        for event_type in sorted(t for t in types if isinstance(t, str)):
            shape = shape_of(event_type)
            pipeline = day_pipeline(event_type, shape, *window)
            rows = [read_row(row, shape) async for row in self._events.aggregate(pipeline)]
            events_read += sum(aggregate.count for _, _, aggregate in rows)
            parts = ((owner, a) for company, user, a in rows for owner in owners_of(company, user))
            documents += bucket_documents(span, event_type, parts)
        written, deleted = await _replace_period(self._daily, day, documents)
        return Tally(events_read=events_read, written=written, deleted=deleted)

    async def week(self, monday: date) -> Tally:
        """Rebuild every bucket of the ISO week starting `monday` from its daily buckets."""
        span = self.span("weekly", monday)
        days = [(monday + timedelta(days=i)).isoformat() for i in range(7)]
        types = await self._daily.distinct("type", {"period_start": {"$in": days}})
        documents = []
        for event_type in sorted(types):
            query = {"period_start": {"$in": days}, "type": event_type}
            parts = [(owner_of(d), aggregate_of(d)) async for d in self._daily.find(query)]
            documents += bucket_documents(span, event_type, parts)
        written, deleted = await _replace_period(self._weekly, monday, documents)
        return Tally(written=written, deleted=deleted)


async def _replace_period(
    collection: AsyncIOMotorCollection, start: date, documents: list[dict[str, Any]]
) -> tuple[int, int]:
    """Upsert `documents` and delete the period's buckets that no longer have events."""
    query = {"period_start": start.isoformat()}
    before = {d["_id"] async for d in collection.find(query, {"_id": 1})}
    for chunk in _chunks([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in documents]):
        await collection.bulk_write(chunk, ordered=False)
    stale = sorted(before - {d["_id"] for d in documents})
    for ids in _chunks(stale):
        await collection.delete_many({"_id": {"$in": ids}})
    return len(documents), len(stale)


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), WRITE_CHUNK):
        yield items[start:start + WRITE_CHUNK]
