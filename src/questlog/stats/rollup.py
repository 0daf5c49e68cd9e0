"""Rebuilding one bucket period whole: a day from raw events, a week from its seven days.

The rollup is a hot path, so it works on the Motor collections directly: the day's
events are streamed and scanned in Python (scan.py), the week reads its days' game
and company documents, and the documents (one per owner and period, see buckets.py)
go back in big unordered batches. Nothing is ever incremented: rebuilding a period
twice, or from two processes at once, writes the same documents.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bson.codec_options import CodecOptions
from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError

from questlog.batching import chunked
from questlog.stats.buckets import (
    TYPES,
    Owner,
    Span,
    aggregate_of,
    owner_of,
    stored_part,
    to_document,
)
from questlog.stats.merge import Aggregate, merge
from questlog.stats.periods import Calendar, Period
from questlog.stats.pipeline import day_query
from questlog.stats.scan import DayScan
from questlog.store.types import MotorCollection

WRITE_CHUNK = 10_000
READ_BATCH = 10_000
OVERLAPPED_CHUNK = 1_000  # a day writes in chunks this big, the next built meanwhile
DUPLICATE_KEY = 11000
WEEKLY_SCOPES = ("global", "company")  # the owners whose weeks are stored
WEEK_INDEX = "period_scope"  # see stats.documents
PLAIN: CodecOptions[dict[str, Any]] = CodecOptions()  # naive datetimes, plain dicts


@dataclass
class Tally:
    events_read: int = 0
    written: int = 0
    deleted: int = 0
    # (event id, received_at) of the events read received at or after `received_since`
    recent: list[tuple[str, datetime]] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.events_read += other.events_read
        self.written += other.written
        self.deleted += other.deleted


def _plain(collection: MotorCollection) -> MotorCollection:
    """The collection read with PLAIN codec options, where the store offers them
    (mongomock-motor's with_options answers a synchronous collection: kept as it is)."""
    plain = collection.with_options(codec_options=PLAIN)
    return plain if type(plain) is type(collection) else collection


def week_day_queries(day: str) -> list[dict[str, Any]]:
    """The queries of one day's buckets that its week merges: one per stored scope, each
    an equality on both fields of period_scope. No hint: secantusd-rs walks the whole
    index for a hinted find (27 ms for an absent day among 22,000 buckets), and its
    planner picks period_scope by itself for these (a test explains them)."""
    return [{"period_start": day, "scope": scope} for scope in WEEKLY_SCOPES]


def span_of(calendar: Calendar, period: Period, start: date) -> Span:
    starts_at, ends_at = calendar.bounds(period, start)
    return Span(period, start, starts_at, ends_at, calendar.time_zone)


def weekly_span(calendar: Calendar, monday: date) -> Span:
    return span_of(calendar, "weekly", monday)


class Rollup:
    def __init__(
        self, *, events: MotorCollection, daily: MotorCollection,
        weekly: MotorCollection, calendar: Calendar,
    ) -> None:
        # Read without time zones: the rollup uses no stored datetime, and decoding each
        # as tz-aware took half of the reading (pymongo converts every one).
        self._events, self._daily_read = _plain(events), _plain(daily)
        self._daily, self._weekly = daily, weekly
        self._calendar = calendar

    def span(self, period: Period, start: date) -> Span:
        return span_of(self._calendar, period, start)

    def scan(self) -> DayScan:
        return DayScan()

    async def day(self, day: date, *, received_since: datetime | None = None) -> Tally:
        """Rebuild every bucket of `day` from the raw events whose event_time falls in it:
        one pass over the day, whatever its types. With `received_since` (naive UTC), the
        tally also lists the events read that were received at or after it (today.py)."""
        span = self.span("daily", day)
        writer = await PeriodWriter.open(self._daily, day)
        scan = DayScan()
        query = day_query(span.starts_at, span.ends_at)
        recent: list[tuple[str, datetime]] = []
        # Whole events, unprojected: secantusd-rs projects 35 fields slower than it sends
        # the documents, and a $group $push-ing every numeric field cost ten times more.
        async for batch in _batches(self._events.find(query, batch_size=READ_BATCH)):
            scan.add_all(batch)
            if received_since is not None:
                recent.extend(_received_since(batch, received_since))
        # Unordered batches, each written while the next is built: the server stores one
        # on its core while Python builds the next on the other.
        pending: asyncio.Future[None] | None = None
        try:
            for chunk in chunked(scan.iter_documents(span), OVERLAPPED_CHUNK):
                if pending is not None:
                    await pending
                pending = asyncio.ensure_future(writer.write(chunk))
            if pending is not None:
                await pending
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
        tally = await writer.close(scan.events)
        tally.recent = recent
        return tally

    async def week(self, monday: date) -> Tally:
        """Rebuild the game's and the companies' buckets of the ISO week starting `monday`
        from their daily buckets, one owner at a time, so memory stays small.

        A player's week is not stored: reads merge the player's days (reads.py), since
        the player buckets are nearly all of the buckets and rarely read by the week."""
        span = self.span("weekly", monday)
        days = [(monday + timedelta(days=i)).isoformat() for i in range(7)]
        writer = await PeriodWriter.open(self._weekly, monday)
        groups: defaultdict[Owner, defaultdict[str, list[Aggregate]]] = defaultdict(
            lambda: defaultdict(list))
        for day in days:  # the days of the week, each read through period_scope
            for query in week_day_queries(day):
                async for document in self._daily_read.find(query):
                    parts = groups[owner_of(document)]
                    for event_type, part in document[TYPES].items():
                        parts[event_type].append(aggregate_of(part))
        documents = [
            to_document(span, owner, {t: stored_part(merge(parts[t])) for t in sorted(parts)})
            for owner, parts in groups.items()
        ]
        for chunk in _chunks(documents):
            await writer.write(chunk)
        return await writer.close(events_read=0)


class PeriodWriter:
    """Writes a period's buckets and, at the end, deletes those it did not write."""

    def __init__(self, collection: MotorCollection, before: set[str]) -> None:
        self._collection, self._before = collection, before
        self._written: set[str] = set()

    @classmethod
    async def open(cls, collection: MotorCollection, start: date) -> PeriodWriter:
        """A writer for the period starting `start`, knowing which buckets it has now."""
        query = {"period_start": start.isoformat()}
        found = collection.find(query, {"_id": 1})  # through period_scope; see week_day_queries
        return cls(collection, {d["_id"] async for d in found})

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


async def _batches(cursor: Any) -> AsyncIterator[list[dict[str, Any]]]:
    """The cursor's documents a batch at a time, the next one fetched while the caller
    works on this one (and no await per event)."""
    pending = asyncio.ensure_future(cursor.to_list(READ_BATCH))
    try:
        while batch := await pending:
            pending = asyncio.ensure_future(cursor.to_list(READ_BATCH))
            yield batch
    finally:
        if not pending.done():
            pending.cancel()


def _received_since(
    batch: list[dict[str, Any]], since: datetime
) -> Iterator[tuple[str, datetime]]:
    for event in batch:
        received = event.get("received_at")
        if received is None:
            continue
        if received.tzinfo is not None:
            received = received.astimezone(UTC).replace(tzinfo=None)
        if received >= since:
            yield event["_id"], received


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    return chunked(items, WRITE_CHUNK)
