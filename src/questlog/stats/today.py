"""Today so far, incrementally: fold the events received since the last refresh into
today's stored buckets, instead of rebuilding the whole day from its raw events.

A cursor per day (collection `stats_cursors`, `_id` the day) says which of the day's
events its buckets hold: every event of the day with received_at < `bound`, plus the
ids in `extras` (received at or after `bound`, already counted). A refresh folds the
events received in [bound, upper) minus the extras, where `upper` is the clock minus a
settle lag: an event is stamped received_at before it is inserted, so one stamped just
now may not be visible yet; every event stamped before `upper` is (the lag is longer
than an insert takes, retries included). The intervals are half-open and in whole
milliseconds (what BSON stores), so an event is folded exactly once, whatever the
order in which events became visible.

A full recompute of the day (service.StatsService) marks the cursor busy first and, at
its end, sets it ready with its own bound (its start minus the lag) and as extras the
ids it read received after that bound. Every change of a cursor bumps its `gen`, and
each writer finishes with a compare-and-set on the gen it started from: when two
writers overlapped, the one finishing second fails it and marks the cursor `doubt`.
A refresh folds only from a `ready` cursor of the same definitions and time zone
(`fingerprint`); anything else (no cursor, busy after a crash, doubt, other
definitions) means the whole-day recompute, which makes the cursor ready again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pymongo import ReplaceOne, ReturnDocument

from questlog.stats.buckets import TYPES, aggregate_of, stored_part
from questlog.stats.fields import SHAPES
from questlog.stats.merge import merge
from questlog.stats.rollup import Rollup
from questlog.stats.streams import READ_BATCH, batches
from questlog.stats.writer import Tally, chunks
from questlog.store.naive import plain
from questlog.store.types import MotorCollection

CURSORS = "stats_cursors"
LAYOUT = 2  # bump when the stored bucket layout changes: older cursors are then ignored
KEEP_DAYS = 3  # cursors of older days are deleted


def fingerprint(time_zone: str) -> str:
    """What the stored buckets were built with: folding onto other definitions is wrong."""
    shapes = sorted((t, s.numeric, s.has_success) for t, s in SHAPES.items())
    text = repr((LAYOUT, time_zone, shapes))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def to_millis(moment: datetime) -> datetime:
    """`moment` in UTC, naive, cut to the millisecond BSON keeps."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _aware(moment: datetime) -> datetime:
    """Naive UTC as aware UTC: what queries compare (mongomock keeps the tzinfo stored)."""
    return moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    day: str
    gen: int
    state: str  # "ready", "busy" (a writer at work, or one that crashed), "doubt"
    bound: datetime | None  # naive UTC
    extras: dict[str, datetime]  # event id -> received_at (naive UTC), both at/after bound
    fingerprint: str | None


def _cursor(document: dict[str, Any]) -> Cursor:
    bound = document.get("bound")
    return Cursor(
        day=document["_id"], gen=document.get("gen", 0), state=document.get("state", "busy"),
        bound=None if bound is None else to_millis(bound),
        extras={e: to_millis(r) for e, r in document.get("extras", [])},
        fingerprint=document.get("fingerprint"),
    )


class Cursors:
    """The cursors' collection; every write but `doubt` is a compare-and-set on gen."""

    def __init__(self, collection: MotorCollection) -> None:
        self._collection = collection

    async def get(self, day: date) -> Cursor | None:
        document = await self._collection.find_one({"_id": day.isoformat()})
        return None if document is None else _cursor(document)

    async def begin(self, day: date) -> int:
        """Mark the day busy (a full recompute starts); its new gen."""
        await self._collection.delete_many(
            {"_id": {"$lt": (day - timedelta(days=KEEP_DAYS)).isoformat()}})
        document = await self._collection.find_one_and_update(
            {"_id": day.isoformat()}, {"$inc": {"gen": 1}, "$set": {"state": "busy"}},
            upsert=True, return_document=ReturnDocument.AFTER,
        )
        return int(document["gen"])

    async def claim(self, cursor: Cursor) -> int | None:
        """Mark a ready cursor busy for a fold; its new gen, None when it changed meanwhile."""
        result = await self._collection.update_one(
            {"_id": cursor.day, "gen": cursor.gen, "state": "ready"},
            {"$inc": {"gen": 1}, "$set": {"state": "busy"}},
        )
        return cursor.gen + 1 if result.modified_count == 1 else None

    async def finish(
        self, day: date, gen: int, *, bound: datetime, extras: dict[str, datetime],
        fingerprint: str,
    ) -> bool:
        """Ready from `bound`, if nobody touched the cursor since gen; else mark it doubt."""
        result = await self._collection.update_one(
            {"_id": day.isoformat(), "gen": gen},
            {"$inc": {"gen": 1}, "$set": {
                "state": "ready", "bound": _aware(bound), "fingerprint": fingerprint,
                "extras": sorted([e, _aware(r)] for e, r in extras.items()),
            }},
        )
        if result.modified_count == 1:
            return True
        await self.doubt(day)
        return False

    async def doubt(self, day: date) -> None:
        await self._collection.update_one(
            {"_id": day.isoformat()}, {"$inc": {"gen": 1}, "$set": {"state": "doubt"}},
            upsert=True,
        )


class Today:
    """Full recomputes that leave a cursor, and refreshes that fold from it."""

    def __init__(
        self, *, rollup: Rollup, events: MotorCollection, daily: MotorCollection,
        cursors: MotorCollection, time_zone: str, settle: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._rollup, self._cursors = rollup, Cursors(cursors)
        self._events = plain(events)
        self._daily = daily
        self._fingerprint, self._settle, self._clock = fingerprint(time_zone), settle, clock

    async def full(self, day: date) -> Tally:
        """Rebuild `day` whole, then leave its cursor where the rebuild read up to."""
        bound = to_millis(self._clock() - self._settle)
        gen = await self._cursors.begin(day)
        tally = await self._rollup.day(day, received_since=bound)
        await self._cursors.finish(day, gen, bound=bound, extras=dict(tally.recent),
                                   fingerprint=self._fingerprint)
        tally.recent = []
        return tally

    async def refresh(self, day: date) -> Tally | None:
        """Fold what `day` received since its cursor; None when a full recompute is due
        (no usable cursor, or another writer touched the day meanwhile)."""
        cursor = await self._cursors.get(day)
        if (cursor is None or cursor.state != "ready" or cursor.bound is None
                or cursor.fingerprint != self._fingerprint):
            return None
        upper = to_millis(self._clock() - self._settle)
        if upper <= cursor.bound:
            return Tally()
        gen = await self._cursors.claim(cursor)
        if gen is None:
            return None
        tally = await self._fold(day, cursor, upper)
        remaining = {e: r for e, r in cursor.extras.items() if r >= upper}
        if not await self._cursors.finish(day, gen, bound=upper, extras=remaining,
                                          fingerprint=self._fingerprint):
            return None
        return tally

    async def _fold(self, day: date, cursor: Cursor, upper: datetime) -> Tally:
        assert cursor.bound is not None
        span = self._rollup.span("daily", day)
        query = {"received_at": {"$gte": _aware(cursor.bound), "$lt": _aware(upper)},
                 "event_time": {"$gte": span.starts_at, "$lt": span.ends_at}}
        scan = self._rollup.scan()
        read = 0
        async for batch in batches([self._events.find(query, batch_size=READ_BATCH)]):
            read += len(batch)
            scan.add_all(e for e in batch if e["_id"] not in cursor.extras)
        delta = scan.documents(span)
        written = 0
        for chunk in chunks(delta):
            written += await self._merge_into(chunk)
        return Tally(events_read=read, written=written)

    async def _merge_into(self, delta: list[dict[str, Any]]) -> int:
        """Merge each delta document into its stored one (inserted when there is none):
        per type, the two buckets merged; types only one of them has, kept as they are."""
        ids = [d["_id"] for d in delta]
        stored = {d["_id"]: d async for d in self._daily.find({"_id": {"$in": ids}})}
        fresh, known = [], []
        for document in delta:
            before = stored.get(document["_id"])
            if before is None:
                fresh.append(document)
                continue
            types = dict(before[TYPES])
            for event_type, part in document[TYPES].items():
                if event_type in types:
                    merged = merge([aggregate_of(types[event_type]), aggregate_of(part)])
                    part = stored_part(merged)
                types[event_type] = part
            known.append({**document, TYPES: dict(sorted(types.items()))})
        if fresh:  # a duplicate key here means another writer: the error leaves it busy
            await self._daily.insert_many(fresh, ordered=False)
        if known:
            await self._daily.bulk_write(
                [ReplaceOne({"_id": d["_id"]}, d) for d in known], ordered=False)
        return len(fresh) + len(known)
