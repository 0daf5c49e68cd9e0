"""Rebuilding one bucket period whole: a day from raw events, a week from its seven days.

The rollup is a hot path, so it works on the Motor collections directly: the day's
$group runs inside MongoDB (see pipeline.py), the week streams its daily buckets in
owner order, a day at a time, and the buckets go back in big unordered batches.
Nothing is ever incremented: rebuilding a period twice, or from two processes at once,
writes the same documents.
"""

from __future__ import annotations

import heapq
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError

from questlog.stats.buckets import (
    GLOBAL,
    Owner,
    Span,
    aggregate_of,
    bucket_documents,
    owner_of,
    owners_of,
    to_document,
)
from questlog.stats.fields import shape_of
from questlog.stats.merge import Aggregate, merge
from questlog.stats.periods import Calendar, Period
from questlog.stats.pipeline import day_pipeline, read_row
from questlog.store.types import MotorCollection, MotorCursor

WRITE_CHUNK = 1000
DUPLICATE_KEY = 11000


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
        self, *, events: MotorCollection, daily: MotorCollection,
        weekly: MotorCollection, calendar: Calendar,
    ) -> None:
        self._events, self._daily, self._weekly = events, daily, weekly
        self._calendar = calendar

    def span(self, period: Period, start: date) -> Span:
        starts_at, ends_at = self._calendar.bounds(period, start)
        return Span(period, start, starts_at, ends_at, self._calendar.time_zone)

    async def day(self, day: date) -> Tally:
        """Rebuild every bucket of `day` from the raw events whose event_time falls in it."""
        span = self.span("daily", day)
        window = {"event_time": {"$gte": span.starts_at, "$lt": span.ends_at}}
        types = await self._events.distinct("type", window)
        writer = await PeriodWriter.open(self._daily, day)
        events_read = 0
        for event_type in sorted(t for t in types if isinstance(t, str)):
            shape = shape_of(event_type)
            pipeline = day_pipeline(event_type, shape, span.starts_at, span.ends_at)
            rows = [read_row(row, shape) async for row in self._events.aggregate(pipeline)]
            events_read += sum(aggregate.count for _, _, aggregate in rows)
            parts = ((owner, a) for company, user, a in rows for owner in owners_of(company, user))
            await writer.write(bucket_documents(span, event_type, parts))
        return await writer.close(events_read)

    async def week(self, monday: date) -> Tally:
        """Rebuild every bucket of the ISO week starting `monday` from its daily buckets,
        one owner at a time, so memory stays small however many players there are."""
        span = self.span("weekly", monday)
        days = [monday + timedelta(days=i) for i in range(7)]
        query = {"period_start": {"$in": [day.isoformat() for day in days]}}
        types = await self._daily.distinct("type", query)
        writer = await PeriodWriter.open(self._weekly, monday)
        for event_type in sorted(types):
            documents = in_owner_order([day_buckets(self._daily, d, event_type) for d in days])
            batch = []
            async for owner, group in _by_owner(documents):
                batch.append(to_document(span, event_type, owner, merge(group)))
                if len(batch) >= WRITE_CHUNK:
                    await writer.write(batch)
                    batch = []
            await writer.write(batch)
        return await writer.close(events_read=0)


OWNER_ORDER = [("scope", 1), ("company_id", 1), ("user_id", 1)]


def day_buckets(daily: MotorCollection, day: date, event_type: str) -> MotorCursor:
    """The daily buckets of one type on `day`, in owner order.

    One day at a time: the query is an equality prefix of `period_type_owner` (and of
    `owner_period`), so MongoDB reads one ordered range of the index with no sort; a
    server that sorts anyway (secantusd-rs) sorts one day of one type, not a week.
    """
    query = {"period_start": day.isoformat(), "type": event_type}
    return daily.find(query).sort(OWNER_ORDER)


async def in_owner_order(days: list[MotorCursor]) -> AsyncIterator[dict[str, Any]]:
    """The documents of every day, merged into one stream in owner order.

    Each day comes in owner order already (day_buckets), as the server orders values:
    null (no company_id, no user_id) before any string, strings by their bytes (as
    Python orders str for every code point), so each owner's days come together.
    """

    def owner_key(document: dict[str, Any]) -> tuple[tuple[bool, str], ...]:
        return tuple(
            (document.get(field) is not None, document.get(field) or "")
            for field, _ in OWNER_ORDER
        )

    heads: list[tuple[tuple[tuple[bool, str], ...], int, dict[str, Any]]] = []

    async def advance(n: int) -> None:
        document = await anext(days[n], None)
        if document is not None:
            heapq.heappush(heads, (owner_key(document), n, document))

    for n in range(len(days)):
        await advance(n)
    while heads:
        _, n, document = heapq.heappop(heads)
        yield document
        await advance(n)


async def _by_owner(
    documents: AsyncIterator[dict[str, Any]],
) -> AsyncIterator[tuple[Owner, list[Aggregate]]]:
    """(owner, its aggregates) for each run of documents of one owner, as they stream by."""
    owner: Owner = GLOBAL
    group: list[Aggregate] = []
    async for document in documents:
        current = owner_of(document)
        if group and current != owner:
            yield owner, group
            group = []
        owner = current
        group.append(aggregate_of(document))
    if group:
        yield owner, group


class PeriodWriter:
    """Writes a period's buckets and, at the end, deletes those it did not write."""

    def __init__(self, collection: MotorCollection, before: set[str]) -> None:
        self._collection, self._before = collection, before
        self._written: set[str] = set()

    @classmethod
    async def open(cls, collection: MotorCollection, start: date) -> PeriodWriter:
        """A writer for the period starting `start`, knowing which buckets it has now."""
        query = {"period_start": start.isoformat()}
        return cls(collection, {d["_id"] async for d in collection.find(query, {"_id": 1})})

    async def write(self, documents: list[dict[str, Any]]) -> None:
        # A bucket not there before is inserted, one that is is replaced: inserts are the
        # server's cheapest write, and most buckets of a day are new at its first rollup.
        fresh = [d for d in documents if d["_id"] not in self._before]
        known = [d for d in documents if d["_id"] in self._before]
        for chunk in _chunks(fresh):
            await self._insert(chunk)
        for chunk in _chunks(known):
            await self._replace(chunk)
        self._written.update(d["_id"] for d in documents)

    async def _insert(self, documents: list[dict[str, Any]]) -> None:
        try:
            await self._collection.insert_many(documents, ordered=False)
        except BulkWriteError as exc:  # another process inserted some meanwhile: replace them
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            await self._replace([documents[e["index"]] for e in errors])

    async def _replace(self, documents: list[dict[str, Any]]) -> None:
        if documents:
            requests = [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in documents]
            await self._collection.bulk_write(requests, ordered=False)

    async def close(self, events_read: int) -> Tally:
        stale = sorted(self._before - self._written)
        for ids in _chunks(stale):
            await self._collection.delete_many({"_id": {"$in": ids}})
        return Tally(events_read=events_read, written=len(self._written), deleted=len(stale))


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), WRITE_CHUNK):
        yield items[start:start + WRITE_CHUNK]
