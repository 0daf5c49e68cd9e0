"""The MongoDB aggregation pipelines of the rollup, and the reading of their rows. Pure.

A day's pipeline runs inside MongoDB over the (type, event_time) index: one $match per
type present that day, on the day's UTC bounds (computed in Python from the bucket
time zone, so no $dateToString time zone is needed), then one $group per
(company_id, user_id) with only $sum/$min/$max/$cond/$ifNull, which every MongoDB and
mongomock run. Python gets one row per player and company, never a raw event, and
merges the rows into the global, company and user buckets: a row carries exactly one
user id, so distinct users come out of the merge, with no $addToSet array that could
outgrow 16 MB.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from questlog.stats.fields import SUCCESS_FIELD, TypeShape
from questlog.stats.merge import Aggregate, FieldStats
from questlog.stats.periods import Calendar
from questlog.stats.sketch import users_of

HOUR_FORMAT = "%Y-%m-%dT%H"
SAMPLE_RATE = "sample_rate"  # stored on a sampled event (questlog.ops.sampling)
HOUR = timedelta(hours=1)


def _present(value: str) -> dict[str, Any]:
    """1 when the field holds a value, 0 when it is null or missing."""
    return {"$cond": [{"$eq": [{"$ifNull": [value, None]}, None]}, 0, 1]}


def day_pipeline(
    event_type: str, shape: TypeShape, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """One row per (company_id, user_id) of `event_type` events in [start, end)."""
    weight = {"$divide": [1, {"$ifNull": [f"${SAMPLE_RATE}", 1]}]}  # 1 / sample_rate
    group: dict[str, Any] = {
        "_id": {"company_id": "$company_id", "user_id": "$user_id"},
        "count": {"$sum": 1},
        "weighted_count": {"$sum": weight},
    }
    if shape.has_success:
        group["successes"] = {"$sum": {"$cond": [{"$eq": [f"${SUCCESS_FIELD}", True]}, 1, 0]}}
    for index, name in enumerate(shape.numeric):
        value, zero_if_absent = f"${name}", {"$ifNull": [f"${name}", 0]}
        # $sum, $min and $max skip null and missing values on their own
        group[f"f{index}_n"] = {"$sum": _present(value)}
        group[f"f{index}_sum"] = {"$sum": value}
        group[f"f{index}_sq"] = {"$sum": {"$multiply": [zero_if_absent, zero_if_absent]}}
        group[f"f{index}_min"] = {"$min": value}
        group[f"f{index}_max"] = {"$max": value}
        group[f"f{index}_wsum"] = {"$sum": {"$multiply": [zero_if_absent, weight]}}
    return [
        {"$match": {"type": event_type, "event_time": {"$gte": start, "$lt": end}}},
        {"$group": group},
    ]


def read_row(row: dict[str, Any], shape: TypeShape) -> tuple[str | None, str | None, Aggregate]:
    """(company_id, user_id, aggregate) of one day_pipeline row."""
    key = row["_id"] or {}
    company_id, user_id = key.get("company_id"), key.get("user_id")
    fields = {
        name: FieldStats(
            n=row[f"f{i}_n"], total=row[f"f{i}_sum"], total_sq=row[f"f{i}_sq"],
            low=row[f"f{i}_min"], high=row[f"f{i}_max"],
            weighted_total=_sampled(row, f"f{i}_wsum", f"f{i}_sum"),
        )
        for i, name in enumerate(shape.numeric)
    }
    return company_id, user_id, Aggregate(
        count=row["count"],
        successes=row["successes"] if shape.has_success else None,
        users=users_of([user_id] if user_id is not None else []),
        fields=fields,
        weighted_count=_sampled(row, "weighted_count", "count"),
    )


def _sampled(row: dict[str, Any], weighted: str, plain: str) -> float | None:
    """The weighted figure of a row, or None when it equals the plain one (no sampled
    event in the row: every weight was 1), so unsampled buckets stay as they were."""
    value = row.get(weighted)
    return None if value is None or value == row[plain] else float(value)


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
