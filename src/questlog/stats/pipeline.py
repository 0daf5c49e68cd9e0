"""The MongoDB aggregation pipelines of the rollup, and the reading of their rows. Pure.

A day's pipeline runs inside MongoDB over the event_time index: one $match on the
day's UTC bounds (computed in Python from the bucket time zone, so no $dateToString
time zone is needed), then one $group per (type, company_id, user_id) with only
$sum/$push/$cond, which every MongoDB and mongomock run. Python gets one row per type,
player and company, never a raw event, and merges the rows into the global, company
and user buckets: a row carries exactly one user id, so distinct users come out of the
merge, with no $addToSet array that could outgrow 16 MB (a row's pushed values are one
player's events of one type in one day).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from questlog.stats.fields import SHAPES, SUCCESS_FIELD, TypeShape, shape_of
from questlog.stats.merge import Aggregate, FieldStats, exact_sum
from questlog.stats.periods import Calendar
from questlog.stats.quantiles import sketch_of
from questlog.stats.sketch import users_of

HOUR_FORMAT = "%Y-%m-%dT%H"
SAMPLE_RATE = "sample_rate"  # stored on a sampled event (questlog.ops.sampling)
HOUR = timedelta(hours=1)
# Every numeric field of any type, each pushed once per row under a short name.
NUMERIC_FIELDS = tuple(dict.fromkeys(n for shape in SHAPES.values() for n in shape.numeric))
FIELD_INDEX = {name: index for index, name in enumerate(NUMERIC_FIELDS)}


def _numbers(values: Iterable[Any]) -> list[float]:
    """The values that are numbers: $push keeps nulls (and whatever another type stores
    under the same name), and bool is no number here."""
    return [v for v in values if type(v) in (int, float)]


def day_pipeline(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """One row per (type, company_id, user_id) of the events in [start, end).

    One pass over the day through the event_time index, whatever the types: each row
    carries its count, successes, and the values of every numeric field any type has,
    pushed, so that Python adds them exactly (fsum) and bins them for the percentiles.
    The weighted figures of sampled events (each weighted by 1 / sample_rate) are summed
    here.
    """
    weight = {"$divide": [1, {"$ifNull": [f"${SAMPLE_RATE}", 1]}]}
    group: dict[str, Any] = {
        "_id": {"type": "$type", "company_id": "$company_id", "user_id": "$user_id"},
        "count": {"$sum": 1},
        "successes": {"$sum": {"$cond": [{"$eq": [f"${SUCCESS_FIELD}", True]}, 1, 0]}},
        "weighted_count": {"$sum": weight},
    }
    # One $push per field: a $push of one object per event would be one accumulator, but
    # mongomock drops the objects that miss a field.
    for index, name in enumerate(NUMERIC_FIELDS):
        group[f"v{index}"] = {"$push": f"${name}"}
        group[f"w{index}"] = {"$sum": {"$multiply": [{"$ifNull": [f"${name}", 0]}, weight]}}
    return [
        {"$match": {"event_time": {"$gte": start, "$lt": end}}},
        {"$group": group},
    ]


def field_stats(values: list[float]) -> FieldStats:
    if not values:
        return FieldStats()
    return FieldStats(
        n=len(values), total=exact_sum(values), total_sq=exact_sum([v * v for v in values]),
        low=min(values), high=max(values), sketch=sketch_of(values),
    )


def read_row(row: dict[str, Any]) -> tuple[str | None, str | None, str | None, Aggregate]:
    """(type, company_id, user_id, aggregate) of one day_pipeline row."""
    key = row["_id"] or {}
    event_type = key.get("type")
    company_id, user_id = key.get("company_id"), key.get("user_id")
    shape = shape_of(event_type) if isinstance(event_type, str) else TypeShape()
    fields = {}
    for name in shape.numeric:
        index = FIELD_INDEX[name]
        stats = field_stats(_numbers(row.get(f"v{index}", ())))
        fields[name] = replace(stats, weighted_total=_sampled(row, f"w{index}", stats.total))
    return event_type, company_id, user_id, Aggregate(
        count=row["count"],
        successes=row["successes"] if shape.has_success else None,
        users=users_of([user_id] if user_id is not None else []),
        fields=fields,
        weighted_count=_sampled(row, "weighted_count", row["count"]),
    )


def _sampled(row: dict[str, Any], weighted: str, plain: float) -> float | None:
    """The weighted figure of a row, or None when it equals the plain one (no sampled
    event in the row: every weight was 1), so unsampled buckets stay as they were."""
    value = row.get(weighted)
    return None if value is None or value == plain else float(value)


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
