"""Sessions and their length from the events' session_id (pipelines.sessions rows). Pure.

A session's length is the time from its first event to its last; it belongs to the
UTC day of its first event.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from questlog.stats.periods import days_from


def summarize(
    rows: Iterable[Mapping[str, Any]], first: date, last: date
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(totals, per day) of the sessions whose first event falls on first..last."""
    by_day: dict[date, list[tuple[str | None, float]]] = defaultdict(list)
    for row in rows:
        start: datetime = row["first"]
        day = start.date()
        if first <= day <= last:
            by_day[day].append((row["user"], (row["last"] - start).total_seconds()))
    every = [s for day in by_day.values() for s in day]
    return _figures(every), [
        {"day": day.isoformat(), **_figures(by_day.get(day, []))} for day in days_from(first, last)
    ]


def _figures(sessions: list[tuple[str | None, float]]) -> dict[str, Any]:
    players = {player for player, _ in sessions if player is not None}
    lengths = [length for _, length in sessions]
    return {
        "sessions": len(sessions),
        "players": len(players),
        "sessions_per_player": len(sessions) / len(players) if players else None,
        "mean_length_s": statistics.fmean(lengths) if lengths else None,
        "median_length_s": statistics.median(lengths) if lengths else None,
    }
