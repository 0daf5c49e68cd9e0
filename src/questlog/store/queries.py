"""Reads of raw and rejected events: filtered, newest first, paginated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from questlog.store.documents import public_event
from questlog.store.types import MotorCollection


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def skip(self) -> int:
        return (self.number - 1) * self.size


def time_range(field: str, start: datetime | None, end: datetime | None) -> dict[str, Any]:
    bounds = {op: t for op, t in (("$gte", start), ("$lt", end)) if t is not None}
    return {field: bounds} if bounds else {}


async def find_page(
    collection: MotorCollection, query: dict[str, Any], sort: list[tuple[str, int]],
    page: Page,
) -> tuple[list[dict[str, Any]], int]:
    total = await collection.count_documents(query)
    cursor = collection.find(query).sort(sort).skip(page.skip).limit(page.size)
    return [doc async for doc in cursor], total


async def find_events(
    collection: MotorCollection, *, filters: dict[str, str | None],
    start: datetime | None, end: datetime | None, page: Page,
) -> tuple[list[dict[str, Any]], int]:
    """Stored events matching `filters` (field: value) with event_time in [start, end)."""
    query = {k: v for k, v in filters.items() if v is not None}
    query |= time_range("event_time", start, end)
    docs, total = await find_page(collection, query, [("event_time", -1), ("_id", -1)], page)
    return [public_event(d) for d in docs], total


async def find_rejected(
    collection: MotorCollection, *, code: str | None, start: datetime | None,
    end: datetime | None, page: Page,
) -> tuple[list[dict[str, Any]], int]:
    query: dict[str, Any] = {"code": code} if code else {}
    query |= time_range("received_at", start, end)
    docs, total = await find_page(collection, query, [("received_at", -1), ("_id", -1)], page)
    return [{"id": str(d.pop("_id")), **d} for d in docs], total
