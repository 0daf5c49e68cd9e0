"""Active players, new and returning ones, and retention cohorts, from the rows of
pipelines.active_days: one (player, UTC day) pair per day a player sent an event. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from questlog.stats.periods import days_from, week_of

Cohort = Literal["day", "week", "month"]
RETENTION_OFFSETS = (1, 7, 30)


@dataclass(frozen=True)
class Activity:
    """The days each player was active on (within the raw events' retention)."""

    days_by_player: Mapping[str, frozenset[date]]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> Activity:
        days: dict[str, set[date]] = defaultdict(set)
        for row in rows:
            days[row["_id"]["u"]].add(date.fromisoformat(row["_id"]["d"]))
        return cls({player: frozenset(ds) for player, ds in days.items()})

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, date]]) -> Activity:
        days: dict[str, set[date]] = defaultdict(set)
        for player, day in pairs:
            days[player].add(day)
        return cls({player: frozenset(ds) for player, ds in days.items()})

    def players_by_day(self) -> dict[date, set[str]]:
        out: dict[date, set[str]] = defaultdict(set)
        for player, days in self.days_by_player.items():
            for day in days:
                out[day].add(player)
        return out

    def first_days(self) -> dict[str, date]:
        return {player: min(days) for player, days in self.days_by_player.items()}

    def players_between(self, first: date, last: date) -> set[str]:
        return {p for p, days in self.days_by_player.items()
                if any(first <= d <= last for d in days)}


def active_players(activity: Activity, first: date, last: date) -> list[dict[str, Any]]:
    """Per day of first..last: DAU, WAU (that day and the 6 before), MAU (30 days), and
    the day's new players (first seen that day) and returning ones (seen before)."""
    by_day = activity.players_by_day()
    first_seen = activity.first_days()
    rows = []
    for day in days_from(first, last):
        today = by_day.get(day, set())
        new = sum(1 for p in today if first_seen[p] == day)
        rows.append({
            "day": day.isoformat(),
            "dau": len(today),
            "wau": len(_union(by_day, day, 7)),
            "mau": len(_union(by_day, day, 30)),
            "new": new,
            "returning": len(today) - new,
        })
    return rows


def _union(by_day: Mapping[date, set[str]], day: date, days: int) -> set[str]:
    out: set[str] = set()
    for back in range(days):
        out |= by_day.get(day - timedelta(days=back), set())
    return out


def cohort_of(day: date, cohort: Cohort) -> date:
    if cohort == "week":
        return week_of(day)
    if cohort == "month":
        return day.replace(day=1)
    return day


def retention(
    activity: Activity, *, cohort: Cohort, first: date, last: date, observed_until: date,
    offsets: tuple[int, ...] = RETENTION_OFFSETS,
) -> list[dict[str, Any]]:
    """The cohort grid: players grouped by the period of their first day (in first..last);
    for each offset N, of the players whose day N (first day + N) is observed, the share
    active on exactly that day. A cell nobody could reach yet is null."""
    members: dict[date, list[str]] = defaultdict(list)
    for player, day in activity.first_days().items():
        if first <= day <= last:
            members[cohort_of(day, cohort)].append(player)
    grid = []
    for start in sorted(members):
        players = members[start]
        row: dict[str, Any] = {"cohort": start.isoformat(), "players": len(players)}
        for n in offsets:
            eligible = retained = 0
            for player in players:
                target = min(activity.days_by_player[player]) + timedelta(days=n)
                if target <= observed_until:
                    eligible += 1
                    retained += target in activity.days_by_player[player]
            row[f"d{n}"] = retained / eligible if eligible else None
            row[f"d{n}_retained"] = retained
            row[f"d{n}_eligible"] = eligible
        grid.append(row)
    return grid
