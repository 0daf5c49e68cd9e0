"""The designers' statistics of sessions: GET /api/v1/stats?type=session.

Computed on read from the closed sessions (by the day they started, in the bucket time
zone) with the same mergeable statistics as the event buckets (stats.merge): a day is
the aggregate of its sessions, a week the merge of its days. The fields are
`duration_s` and every numeric feature; `duration_histogram` counts sessions per
duration bin. A company below the privacy threshold is withheld, as for events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from questlog.stats.merge import Aggregate, FieldStats, exact_sum, merge
from questlog.stats.periods import Calendar, period_starts, week_of
from questlog.stats.reads import StatsQuery, WithheldForPrivacy
from questlog.stats.sketch import merge_users, users_of
from questlog.store.types import MotorCollection

SESSION_TYPE = "session"
# Upper bounds of the duration bins, in seconds; the last bin is open.
DURATION_BINS = (60, 300, 900, 1800, 3600, 7200)


def numeric_fields(features: Mapping[str, Any]) -> dict[str, float]:
    return {
        name: float(value) for name, value in features.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def field_stats(values: list[float]) -> FieldStats:
    return FieldStats(
        n=len(values), total=exact_sum(values), total_sq=exact_sum([v * v for v in values]),
        low=min(values), high=max(values),
    )


def histogram(durations: Iterable[float]) -> list[int]:
    counts = [0] * (len(DURATION_BINS) + 1)
    for d in durations:
        counts[next((i for i, b in enumerate(DURATION_BINS) if d <= b), len(DURATION_BINS))] += 1
    return counts


def day_aggregate(sessions: list[dict[str, Any]]) -> tuple[Aggregate, list[int]]:
    """One day's sessions as sufficient statistics. Pure."""
    values: dict[str, list[float]] = defaultdict(list)
    for s in sessions:
        for name, value in numeric_fields(s.get("features") or {}).items():
            values[name].append(value)
    aggregate = Aggregate(
        count=len(sessions), successes=None,
        users=users_of(s["user_id"] for s in sessions if s.get("user_id")),
        fields={name: field_stats(v) for name, v in sorted(values.items())},
    )
    return aggregate, histogram(values.get("duration_s", []))


def by_period(
    sessions: Iterable[dict[str, Any]], *, calendar: Calendar, period: str
) -> dict[date, tuple[Aggregate, list[int]]]:
    """Aggregates per day, then merged per week when period is weekly. Pure."""
    days: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for s in sessions:
        days[calendar.day_of(s["started_at"])].append(s)
    daily = {day: day_aggregate(group) for day, group in days.items()}
    if period == "daily":
        return daily
    weeks: dict[date, list[tuple[Aggregate, list[int]]]] = defaultdict(list)
    for day, part in daily.items():
        weeks[week_of(day)].append(part)
    return {
        monday: (merge([a for a, _ in parts]), [sum(c) for c in zip(*(h for _, h in parts),
                                                                    strict=True)])
        for monday, parts in weeks.items()
    }


def public(start: date, query: StatsQuery, aggregate: Aggregate, bins: list[int]) -> dict[str, Any]:
    bounds: list[int | None] = [*DURATION_BINS, None]
    return {
        "period": query.period, "period_start": start.isoformat(), "type": SESSION_TYPE,
        "scope": query.scope, "company_id": query.company_id, "user_id": query.user_id,
        "count": aggregate.count, "distinct_users": aggregate.users.count(),
        "distinct_users_exact": aggregate.users.is_exact, "success_rate": None,
        "fields": {name: f.finalize() for name, f in aggregate.fields.items()},
        "duration_histogram": [{"le_s": b, "count": n} for b, n in zip(bounds, bins, strict=True)],
    }


async def read_session_stats(
    collection: MotorCollection, query: StatsQuery, *, calendar: Calendar, now: datetime,
    min_company_n: int,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    starts = period_starts(query.period, query.first, query.last)
    begin, _ = calendar.bounds(query.period, starts[0])
    _, end = calendar.bounds(query.period, starts[-1])
    filters: dict[str, Any] = {"status": "closed", "started_at": {"$gte": begin, "$lt": end}}
    if query.scope == "company":
        filters["company_id"] = query.company_id
    elif query.scope == "user":
        filters["user_id"] = query.user_id
    projection = {"user_id": 1, "started_at": 1, "features": 1}
    sessions = [doc async for doc in collection.find(filters, projection)]
    periods = by_period(sessions, calendar=calendar, period=query.period)
    if query.scope == "company":
        users = merge_users(a.users for a, _ in periods.values()).count()
        if users < min_company_n:
            raise WithheldForPrivacy(
                f"company {query.company_id!r} has fewer than {min_company_n} distinct users "
                "of sessions in this range; its aggregates are withheld"
            )
    items = [public(start, query, *periods[start]) for start in sorted(periods)]
    meta = {"query": query.echo(), "time_zone": calendar.time_zone, "last_period_open": now < end}
    return items, meta
