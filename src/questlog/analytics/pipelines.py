"""The aggregation pipelines of the analytics. Pure: they build lists of stages.

Only $match, $group, $sum, $min, $max, $push and $dateToString (UTC, no time zone
option) are used: what both MongoDB and mongomock run. Days are UTC days.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

DAY_FORMAT = "%Y-%m-%d"


def scope_match(
    *, company_id: str | None, start: datetime | None, end: datetime,
    players_only: bool = True,
) -> dict[str, Any]:
    """The $match of a scope: events in [start, end), of one company when it is named."""
    bounds: dict[str, Any] = {"$lt": end}
    if start is not None:
        bounds["$gte"] = start
    match: dict[str, Any] = {"event_time": bounds}
    if players_only:
        match["user_id"] = {"$ne": None}
    if company_id is not None:
        match["company_id"] = company_id
    return match


def active_days(match: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (player, UTC day) with an event: {_id: {u, d}, events}."""
    day = {"$dateToString": {"format": DAY_FORMAT, "date": "$event_time"}}
    return [
        {"$match": match},
        {"$group": {"_id": {"u": "$user_id", "d": day}, "events": {"$sum": 1}}},
    ]


def sessions(match: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per session_id: its player, first and last event time, event count."""
    return [
        {"$match": {**match, "session_id": {"$ne": None}}},
        {"$group": {
            "_id": "$session_id", "user": {"$min": "$user_id"},
            "first": {"$min": "$event_time"}, "last": {"$max": "$event_time"},
            "events": {"$sum": 1},
        }},
    ]


def first_times(match: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per player: the time of their first matching event."""
    return [
        {"$match": match},
        {"$group": {"_id": "$user_id", "first": {"$min": "$event_time"}}},
    ]


def all_times(match: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per player: the times of all their matching events (unsorted)."""
    return [
        {"$match": match},
        {"$group": {"_id": "$user_id", "times": {"$push": "$event_time"}}},
    ]


def value_counts(field: str, match: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (value of `field`, player): {_id: {v, u}, events}."""
    return [
        {"$match": match},
        {"$group": {"_id": {"v": f"${field}", "u": "$user_id"}, "events": {"$sum": 1}}},
    ]
