"""A count of one event type broken down by one of its fields (pipelines.value_counts). Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from questlog.events import EVENT_MODELS
from questlog.stats.periods import Rejected

# Fields that make no sense as a breakdown: ids unique per event, times, free-form data.
NOT_DIMENSIONS = frozenset({"event_id", "occurred_at", "seq", "data", "payload", "breakdown"})


def dimensions_of(event_type: str) -> list[str]:
    """The fields of `event_type` (any version) a count can be broken down by."""
    names: set[str] = set()
    for model in EVENT_MODELS:
        if model.model_fields["type"].default == event_type:
            names |= set(model.model_fields) - NOT_DIMENSIONS - {"type"}
    return sorted(names)


def checked_field(event_type: str, field: str) -> str:
    known = dimensions_of(event_type)
    if field not in known:
        raise Rejected("unknown_field",
                       f"{event_type} has no field {field[:64]!r} to break down by; "
                       f"its fields: {', '.join(known)}")
    return field


def counts(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per value: events and distinct players, most events first (ties by value)."""
    events: dict[Any, int] = defaultdict(int)
    players: dict[Any, set[str]] = defaultdict(set)
    for row in rows:
        value, player = row["_id"].get("v"), row["_id"].get("u")
        events[value] += row["events"]
        if player is not None:
            players[value].add(player)
    ordered = sorted(events, key=lambda v: (-events[v], str(v)))
    return [{"value": v, "events": events[v], "players": len(players[v])} for v in ordered]
