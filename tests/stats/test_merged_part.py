"""A week's buckets merged on their stored form (buckets.merged_part, as the weekly
rollup merges its days) are exactly what merging them as objects gives
(stored_part(merge(aggregate_of(...)))): counts, successes, users, sums, extremes,
sketches and sampled estimates, key order included, whatever the days' events; and
where users are kept as HyperLogLogs or outgrow the exact limit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import bson
from hypothesis import given
from hypothesis import strategies as st

from questlog.stats.buckets import Span, aggregate_of, merged_part, stored_part
from questlog.stats.merge import merge
from questlog.stats.scan import DayScan
from questlog.stats.sketch import EXACT_LIMIT

MONDAY = date(2025, 1, 6)
numbers = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.integers(-5, 5), st.just(0.0),
                    st.sampled_from([0.5, 1.25, 3.0]))


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "LOBBY_ATTEMPT", "success": draw(st.booleans()),
                             "user_id": draw(st.sampled_from(["p1", "p2", "p3", None])),
                             "company_id": draw(st.sampled_from(["c1", None]))}
    for name in ("difficulty_tier", "spend"):
        if draw(st.booleans()):
            event[name] = draw(numbers)
    if draw(st.integers(0, 3)) == 0:
        event["sample_rate"] = draw(st.sampled_from([0.1, 0.25]))
    return event


def day_parts(days: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The game's LOBBY_ATTEMPT part of each day that has one, as the rollup stores it."""
    parts = []
    for offset, played in enumerate(days):
        start = MONDAY + timedelta(days=offset)
        midnight = datetime(start.year, start.month, start.day, tzinfo=UTC)
        span = Span("daily", start, midnight, midnight + timedelta(days=1), "UTC")
        scan = DayScan()
        scan.add_all(played)
        for document in scan.documents(span):
            if document["scope"] == "global" and "LOBBY_ATTEMPT" in document["types"]:
                parts.append(document["types"]["LOBBY_ATTEMPT"])
    return parts


def as_objects(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return stored_part(merge([aggregate_of(p) for p in parts]))


@given(st.lists(st.lists(events(), min_size=1, max_size=12), min_size=1, max_size=7))
def test_a_week_merged_on_the_stored_parts_is_the_merge_of_the_objects(
    days: list[list[dict[str, Any]]]
) -> None:
    parts = day_parts(days)

    assert bson.encode(merged_part(parts)) == bson.encode(as_objects(parts))


def test_users_beyond_the_exact_limit_or_kept_as_registers_merge_as_the_objects_do() -> None:
    crowd = [[{"type": "LOBBY_ATTEMPT", "user_id": f"u{day}-{i}", "company_id": None,
               "success": True, "spend": 1.0 + i} for i in range(EXACT_LIMIT * 2 // 3)]
             for day in range(3)]
    parts = day_parts(crowd)
    assert all(p["users_hll"] is None for p in parts)  # each day exact, the week is not
    registers = day_parts([crowd[0] + crowd[1]])  # over the limit: a HyperLogLog
    assert registers[0]["users_hll"] is not None

    for together in (parts, parts + registers):
        merged = merged_part(together)
        assert merged == as_objects(together)
        assert merged["distinct_users_exact"] is False
