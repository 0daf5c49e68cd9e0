"""Helpers of the statistics tests: services on a clock the test sets, and the statistics
recomputed the plain way, straight from the raw events, to compare the rollups with."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from questlog.bootstrap import Questlog
from questlog.ingest.service import Ingestor
from questlog.stats.buckets import flat_buckets, public
from questlog.stats.documents import DailyStat, JobRun, WeeklyStat
from questlog.stats.helper import Helper
from questlog.stats.periods import Calendar
from questlog.stats.quantiles import PERCENTILES, RELATIVE_ACCURACY
from questlog.stats.reads import weeks_of_days
from questlog.stats.rollup import Rollup
from questlog.stats.service import StatsService
from questlog.store.documents import RejectedEvent, StoredEvent

# Written out by hand rather than derived, so the comparison does not share the code
# it checks.
NUMERIC = {
    "LOBBY_ATTEMPT": ("difficulty_tier", "spend"),
    "POLL_INTERVAL": ("margin", "moe", "sample_size"),
    "BILL_VOTE": ("seat_weight", "lobby_payments_count"),
}
WITH_SUCCESS = {"LOBBY_ATTEMPT"}

PERCENTILE_NAMES = {name for name, _ in PERCENTILES}
Key = tuple[str, str, str, str, str | None, str | None]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def services(questlog: Questlog, clock: Clock) -> tuple[Ingestor, StatsService]:
    """An ingestor and a stats service of `questlog` that both read the time off `clock`."""
    ingestor = Ingestor(
        settings=questlog.settings, events=StoredEvent.get_motor_collection(),
        rejected=RejectedEvent.get_motor_collection(), bus=questlog.bus, clock=clock,
    )
    stats = StatsService(
        settings=questlog.settings, events=StoredEvent.get_motor_collection(),
        daily=DailyStat.get_motor_collection(), weekly=WeeklyStat.get_motor_collection(),
        runs=JobRun.get_motor_collection(), clock=clock,
    )
    return ingestor, stats


def rollup(helper: Helper | None = None) -> Rollup:
    """A new Rollup of the store's collections, its buckets in UTC."""
    return Rollup(events=StoredEvent.get_motor_collection(),
                  daily=DailyStat.get_motor_collection(),
                  weekly=WeeklyStat.get_motor_collection(), calendar=Calendar("UTC"),
                  helper=helper)


async def ingest(ingestor: Ingestor, events: list[dict[str, Any]]) -> None:
    result = await ingestor.ingest(events)
    assert not result.rejections, result.rejections[:1]


async def stored_buckets() -> dict[str, dict[str, Any]]:
    """Every daily and weekly document (an owner's buckets of a period), as stored, by
    period and _id."""
    out = {}
    for period, document in (("daily", DailyStat), ("weekly", WeeklyStat)):
        async for bucket in document.get_motor_collection().find():
            out[f"{period}:{bucket['_id']}"] = bucket
    return out


def key_of(item: dict[str, Any]) -> Key:
    return (item["period"], item["period_start"], item["type"], item["scope"],
            item["company_id"], item["user_id"])


async def rolled_up(time_zone: str = "UTC") -> dict[Key, dict[str, Any]]:
    """Every bucket as the API shows it, by its key: the stored ones, and the players'
    weeks, which reads merge from their days."""
    stored = [b for d in (await stored_buckets()).values() for b in flat_buckets(d)]
    days: defaultdict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for bucket in sorted(stored, key=lambda b: b["period_start"]):
        if bucket["period"] == "daily" and bucket["scope"] == "user":
            days[(bucket["type"], bucket["user_id"])].append(bucket)
    weeks = [w for group in days.values() for w in weeks_of_days(group, Calendar(time_zone))]
    return {key_of(public(b)): public(b) for b in [*stored, *weeks]}


async def assert_as_recomputed(time_zone: str) -> None:
    """The stored buckets hold what a plain recomputation from the raw events gives, both
    in the bucket time zone (the UTC day and the local one differ for hours each day)."""
    assert_same_statistics(await rolled_up(time_zone), await recomputed(time_zone))


async def recomputed(time_zone: str = "UTC") -> dict[Key, dict[str, Any]]:
    """The statistics every bucket should hold, worked out plainly from the raw events."""
    zone = ZoneInfo(time_zone)
    groups: defaultdict[Key, list[dict[str, Any]]] = defaultdict(list)
    async for event in StoredEvent.get_motor_collection().find():
        day = event["event_time"].astimezone(zone).date()
        owners = [("global", None, None)]
        if event["company_id"] is not None:
            owners.append(("company", event["company_id"], None))
        if event["user_id"] is not None:
            owners.append(("user", None, event["user_id"]))
        for period, start in (("daily", day), ("weekly", day - timedelta(days=day.weekday()))):
            for owner in owners:
                groups[(period, start.isoformat(), event["type"], *owner)].append(event)
    return {key: _summary(key, events) for key, events in groups.items()}


def _summary(key: Key, events: list[dict[str, Any]]) -> dict[str, Any]:
    period, period_start, event_type, scope, company_id, user_id = key
    fields = {}
    for name in NUMERIC.get(event_type, ()):
        values = [e[name] for e in events if e.get(name) is not None]
        ordered = sorted(values)
        fields[name] = {
            **{p: ordered[int(q * (len(values) - 1))] if values else None
               for p, q in PERCENTILES},
            "sum": math.fsum(values),
            "avg": statistics.fmean(values) if values else None,
            "std_dev": statistics.pstdev(values) if values else None,
            "min": min(values, default=None),
            "max": max(values, default=None),
            "estimated_sum": math.fsum(
                e[name] / e.get("sample_rate", 1) for e in events if e.get(name) is not None
            ),
        }
    successes = sum(e["success"] for e in events) if event_type in WITH_SUCCESS else None
    return {
        "period": period, "period_start": period_start, "type": event_type, "scope": scope,
        "company_id": company_id, "user_id": user_id, "count": len(events),
        "estimated_count": math.fsum(1 / e.get("sample_rate", 1) for e in events),
        "sampled": any("sample_rate" in e for e in events),
        "distinct_users": len({e["user_id"] for e in events if e["user_id"] is not None}),
        "distinct_users_exact": True,
        "success_rate": None if successes is None else successes / len(events),
        "fields": fields,
    }


def assert_same_statistics(
    actual: dict[Key, dict[str, Any]], expected: dict[Key, dict[str, Any]]
) -> None:
    """The same buckets, with the same figures (sums of squares make std_dev approximate)."""
    assert sorted(actual, key=str) == sorted(expected, key=str), (set(actual) ^ set(expected))
    for key, want in expected.items():
        got = actual[key]
        assert {k: v for k, v in got.items() if k != "fields"} == {
            k: v for k, v in want.items() if k != "fields"
        }, key
        assert got["fields"].keys() == want["fields"].keys(), key
        for name, figures in want["fields"].items():
            for figure, value in figures.items():
                tolerance = 1e-4 if figure == "std_dev" else 1e-9
                expected_value = value if value is None else pytest.approx(value, abs=tolerance)
                if figure in PERCENTILE_NAMES and value is not None:  # a sketch's error bound
                    expected_value = pytest.approx(value, rel=RELATIVE_ACCURACY, abs=1e-9)
                assert got["fields"][name][figure] == expected_value, (key, name, figure)
