"""The queries of the rollup. Pure.

A day is read by day_query over the event_time index (its UTC bounds computed in
Python from the bucket time zone, so no $dateToString time zone is needed) and rolled
up in Python (scan.py). The late events' pipeline groups event times by UTC hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

from questlog.stats.periods import Calendar

HOUR_FORMAT = "%Y-%m-%dT%H"
HOUR = timedelta(hours=1)


def day_query(start: datetime, end: datetime) -> dict[str, Any]:
    """The events of [start, end), found through the event_time index."""
    return {"event_time": {"$gte": start, "$lt": end}}


def day_parts(start: datetime, end: datetime, parts: int) -> list[dict[str, Any]]:
    """day_query of [start, end) cut into `parts` consecutive intervals of whole
    seconds (BSON keeps milliseconds: no event falls between two of them)."""
    seconds = int((end - start).total_seconds())
    cuts = [start + timedelta(seconds=seconds * i // parts) for i in range(1, parts)]
    bounds = [start, *cuts, end]
    return [day_query(low, high) for low, high in pairwise(bounds)]


def hours_pipeline(received_since: datetime) -> list[dict[str, Any]]:
    """The UTC hours of event time of the events received since `received_since`.

    Matched on received_at, which the TTL index covers; grouped into hours rather
    than days because the bucket day depends on the time zone, applied in Python.
    """
    return [
        {"$match": {"received_at": {"$gte": received_since}}},
        {"$group": {"_id": {"$dateToString": {"format": HOUR_FORMAT, "date": "$event_time"}}}},
    ]


def days_of_hours(hours: Iterable[str], calendar: Calendar) -> set[date]:
    """The bucket days the UTC hours touch (an hour can straddle two days at +05:30)."""
    days = set()
    for hour in hours:
        start = datetime.strptime(hour, HOUR_FORMAT).replace(tzinfo=UTC)
        days.add(calendar.day_of(start))
        days.add(calendar.day_of(start + HOUR - timedelta(microseconds=1)))
    return days
