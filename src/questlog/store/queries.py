"""Reads of raw and rejected events: filtered, newest first, paged by number or by cursor.

Every list is sorted by (a time field, _id), both descending. A page is found either by
its number (a skip, bounded by the caller: a deep skip makes the server walk every
entry it skips) or by `after`, the sort key of the last item of the previous page,
which the index on (time, _id) seeks to directly however deep the page is.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from questlog.store.documents import public_event
from questlog.store.types import MotorCollection


class InvalidCursor(ValueError):
    """An `after` token this service did not make."""


@dataclass(frozen=True)
class After:
    """The sort key of the last item of a page: its time, then its _id."""

    time: datetime
    id: str | ObjectId

    def token(self) -> str:
        """Opaque to clients: base64url of [time, id, whether the id is an ObjectId]."""
        raw = [self.time.isoformat(), str(self.id), isinstance(self.id, ObjectId)]
        return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")

    @classmethod
    def parse(cls, token: str) -> After:
        try:
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            moment, key, is_object_id = raw
            parsed = datetime.fromisoformat(moment)
            if parsed.tzinfo is None or not isinstance(key, str):
                raise ValueError("not a cursor")
            return cls(time=parsed, id=ObjectId(key) if is_object_id is True else key)
        except (ValueError, TypeError, binascii.Error, InvalidId, UnicodeDecodeError):
            raise InvalidCursor("not a cursor this service gave (take meta.next_after "
                                "of the previous page)") from None


@dataclass(frozen=True)
class Page:
    number: int = 1
    size: int = 100
    after: After | None = None

    @property
    def skip(self) -> int:
        return (self.number - 1) * self.size


@dataclass(frozen=True)
class Found:
    items: list[dict[str, Any]]
    total: int  # items matching the filters, all pages together
    next_after: After | None  # the cursor of the next page; None on the last page


def time_range(field: str, start: datetime | None, end: datetime | None) -> dict[str, Any]:
    bounds = {op: t for op, t in (("$gte", start), ("$lt", end)) if t is not None}
    return {field: bounds} if bounds else {}


def _past(
    query: dict[str, Any], field: str, after: After
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """What comes after `after` in the order (field desc, _id desc), as two plain queries:
    the ties (the same time, a smaller _id; None if the time is outside the query's
    range), then the older ones.

    Not one $or or $nor of the two: given one, a planner may scan the whole collection
    and sort it (the local server does), where each of these is one range of the index.
    """
    bounds = dict(query.get(field, {}))  # time_range()'s $gte and $lt, if any
    if set(bounds) - {"$gte", "$lt"}:
        raise ValueError(f"a cursor cannot page a query with {bounds} on {field}")
    rest = {k: v for k, v in query.items() if k != field}
    start, end = bounds.get("$gte"), bounds.get("$lt")
    tied = (start is None or start <= after.time) and (end is None or after.time < end)
    ties = {**rest, field: after.time, "_id": {"$lt": after.id}} if tied else None
    older = {**rest, field: {**bounds, "$lt": min(end, after.time) if end else after.time}}
    return ties, older


async def _sorted(
    collection: MotorCollection, query: dict[str, Any], field: str, skip: int, limit: int
) -> list[dict[str, Any]]:
    cursor = collection.find(query).sort([(field, -1), ("_id", -1)]).skip(skip).limit(limit)
    return [doc async for doc in cursor]


async def find_page(
    collection: MotorCollection, query: dict[str, Any], field: str, page: Page
) -> Found:
    """One page of the documents matching `query`, newest `field` first, then by _id."""
    total = await collection.count_documents(query)
    # One more than the page holds: whether there is a next page, without a second query.
    wanted = page.size + 1
    if page.after is None:
        docs = await _sorted(collection, query, field, page.skip, wanted)
    else:
        ties, older = _past(query, field, page.after)
        docs = await _sorted(collection, ties, field, 0, wanted) if ties else []
        if len(docs) < wanted:
            docs += await _sorted(collection, older, field, 0, wanted - len(docs))
    more, docs = len(docs) > page.size, docs[: page.size]
    next_after = After(time=docs[-1][field], id=docs[-1]["_id"]) if more else None
    return Found(items=docs, total=total, next_after=next_after)


async def find_events(
    collection: MotorCollection, *, filters: dict[str, str | None],
    start: datetime | None, end: datetime | None, page: Page,
) -> Found:
    """Stored events matching `filters` (field: value) with event_time in [start, end)."""
    query = {k: v for k, v in filters.items() if v is not None}
    query |= time_range("event_time", start, end)
    found = await find_page(collection, query, "event_time", page)
    return Found([public_event(d) for d in found.items], found.total, found.next_after)


async def find_rejected(
    collection: MotorCollection, *, code: str | None, start: datetime | None,
    end: datetime | None, page: Page,
) -> Found:
    query: dict[str, Any] = {"code": code} if code else {}
    query |= time_range("received_at", start, end)
    found = await find_page(collection, query, "received_at", page)
    items = [{"id": str(d.pop("_id")), **d} for d in found.items]
    return Found(items, found.total, found.next_after)
