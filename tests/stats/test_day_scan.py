"""Property: the documents of a day's scan hold, for every bucket (the game's, a company's,
a player's), exactly the statistics worked out plainly from that bucket's events,
sampled events weighted, players of several companies and events of no player or
company among them."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from bson.int64 import Int64
from hypothesis import given
from hypothesis import strategies as st

from questlog.stats.buckets import Span
from questlog.stats.parts import Parts
from questlog.stats.quantiles import encode_sketch, sketch_of
from questlog.stats.scan import DayScan, player_documents

SPAN = Span("daily", date(2025, 1, 6), datetime(2025, 1, 6, tzinfo=UTC),
            datetime(2025, 1, 7, tzinfo=UTC), "UTC")
FIELDS = {"BILL_VOTE": ("seat_weight", "lobby_payments_count"),
          "LOBBY_ATTEMPT": ("difficulty_tier", "spend")}
# Int64: an int beyond int32, as the real server's events are read back.
numbers = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.integers(-5, 5), st.just(0.0),
                    st.sampled_from([0.5, 1.25, 3.0]), st.builds(Int64, st.integers(-2**40, 2**40)))


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event_type = draw(st.sampled_from(sorted(FIELDS)))
    event: dict[str, Any] = {
        "type": event_type,
        "user_id": draw(st.sampled_from(["p1", "p2", "p3", None])),
        "company_id": draw(st.sampled_from(["c1", "c2", None])),
        "success": draw(st.booleans()),
    }
    for name in FIELDS[event_type]:
        if draw(st.booleans()):
            event[name] = draw(numbers)
    if draw(st.integers(0, 3)) == 0:
        event["sample_rate"] = draw(st.sampled_from([0.1, 0.25, 0.3]))
    return event


def expected(played: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    groups: defaultdict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for event in played:
        owners = [("global", "")]
        if event["company_id"] is not None:
            owners.append(("company", event["company_id"]))
        if event["user_id"] is not None:
            owners.append(("user", event["user_id"]))
        for scope, label in owners:
            groups[(scope, label, event["type"])].append(event)
    return {key: _figures(key[2], group) for key, group in groups.items()}


def _figures(event_type: str, group: list[dict[str, Any]]) -> dict[str, Any]:
    sampled = any("sample_rate" in e for e in group)
    users = {e["user_id"] for e in group if e["user_id"] is not None}
    fields = {}
    for name in FIELDS[event_type]:
        having = [e for e in group if name in e]
        values = [e[name] for e in having]
        fields[name] = {"n": len(values), "sum": math.fsum(values),
                        "sum_sq": math.fsum(v * v for v in values),
                        "min": min(values, default=None), "max": max(values, default=None),
                        "q": encode_sketch(sketch_of(values))}
        if sampled and values:
            fields[name]["weighted_sum"] = math.fsum(
                e[name] / e.get("sample_rate", 1) for e in having)
    figures = {"count": len(group), "users": sorted(users), "fields": fields,
               "successes": sum(e["success"] for e in group)
               if event_type == "LOBBY_ATTEMPT" else None}
    if sampled:
        figures["estimated_count"] = math.fsum(1 / e.get("sample_rate", 1) for e in group)
    return figures


def scanned(played: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    scan = DayScan()
    scan.add_all(played)
    found = {}
    for document in scan.documents(SPAN):
        label = document["company_id"] or document["user_id"] or ""
        for event_type, part in document["types"].items():
            figures = {k: part[k] for k in ("count", "users", "successes")}
            figures["fields"] = {
                name: {k: v for k, v in stats.items() if v is not None or k in ("min", "max")}
                for name, stats in part["fields"].items()}
            if "estimated_count" in part:
                figures["estimated_count"] = part["estimated_count"]
            found[(document["scope"], label, event_type)] = figures
    return found


@given(st.lists(events(), max_size=40))
def test_every_bucket_holds_the_statistics_of_its_events(played: list[dict[str, Any]]) -> None:
    assert scanned(played) == expected(played)


def by_id(documents: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {document["_id"]: document for document in documents}


@given(st.lists(events(), max_size=40), st.integers(0, 40), st.integers(0, 4))
def test_a_day_scanned_and_built_in_two_parts_gives_the_documents_of_one_pass(
    played: list[dict[str, Any]], cut: int, theirs: int
) -> None:
    """As the rollup and its helper process split a dense day (stats/helper.py): half the
    events scanned apart, sent back packed and merged, a share of the players built
    apart."""
    whole, first, second = DayScan(), DayScan(), DayScan()
    whole.add_all(played)
    first.add_all(played[:cut])
    second.add_all(played[cut:])

    first.merge(DayScan.unpack(second.pack()))
    players = first.players()
    apart = player_documents(SPAN, players[:theirs], Parts())
    rest = first.iter_documents(SPAN, players[theirs:])

    assert first.events == whole.events
    assert by_id([*apart, *rest]) == by_id(whole.documents(SPAN))
