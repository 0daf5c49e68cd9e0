"""A plain interpreter of the achievement rules, for the property tests only.

Slow and meant to be obviously right: every achievement of the file looked at for every
event, the stored entry changed in place on a deep copy, days found by walking. It is
written from docs/achievements.md and the entry shapes in achievements.rules and
shares no code with the generated steps, which it checks.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date
from typing import Any

from questlog.achievements.definitions import Achievement
from questlog.achievements.rules import Unlock
from questlog.events.envelope import INT64_MAX

Entry = dict[str, Any]
_EPOCH = date(1970, 1, 1)
_STREAK_MEMORY_DAYS = 35


class Reference:
    """Folds events into a copy of `state`; `changed` names every entry written."""

    def __init__(self, achievements: Sequence[Achievement], state: Mapping[str, Entry]) -> None:
        self.achievements = achievements
        self.entries: dict[str, Entry] = copy.deepcopy(dict(state))
        self.written: list[str] = []
        self.unlocks: list[Unlock] = []

    @property
    def changed(self) -> dict[str, Entry]:
        return {aid: self.entries[aid] for aid in self.written}

    def fold(self, events: Sequence[Mapping[str, Any]]) -> Reference:
        for event in events:
            for achievement in self.achievements:
                if achievement.rule.kind != "all_of" and counts(achievement, event):
                    self.count(achievement, event)
                    self.unlock(achievement, event)
        return self

    def write(self, aid: str) -> Entry:
        if aid not in self.written:
            self.written.append(aid)
        return self.entries.setdefault(aid, {})

    def read(self, aid: str) -> Entry:
        return self.entries.get(aid, {})

    def count(self, achievement: Achievement, event: Mapping[str, Any]) -> None:
        rule, aid, old = achievement.rule, achievement.id, self.read(achievement.id)
        top = achievement.levels[-1][1]
        if rule.kind == "counter":
            entry = self.write(aid)
            entry["value"] = entry.get("value", 0) + 1
        elif rule.kind == "sum":
            amount = event.get(rule.field)
            if isinstance(amount, int | float) and not isinstance(amount, bool):
                entry = self.write(aid)
                entry["value"] = entry.get("value", 0) + amount
        elif rule.kind == "distinct":
            found, seen = event.get(rule.field), old.get("seen", [])
            if found is not None and found not in seen and len(seen) < top:
                entry = self.write(aid)
                entry["seen"] = [*seen, found]
                entry["value"] = len(entry["seen"])
        else:
            today, days = utc_day(event), old.get("days") or []
            if today not in days:
                days = sorted([*days, today])
                entry = self.write(aid)
                entry["value"] = max(entry.get("value", 0), run_through(days, today))
                entry["days"] = [d for d in days if d >= days[-1] - int(top) - _STREAK_MEMORY_DAYS]

    def unlock(self, achievement: Achievement, event: Mapping[str, Any]) -> None:
        aid, entry = achievement.id, self.read(achievement.id)
        value, mark = entry.get("value", 0), {"at": event["event_time"], "event_id": event["_id"]}
        if achievement.repeatable:
            before, times = entry.get("times", 0), passed(value, achievement.levels[0][1])
            if times > before:
                entry = self.write(aid)
                entry["times"], entry["last"] = times, mark
                self.unlocks.append(Unlock(aid, None, mark["at"], mark["event_id"], times - before))
                if not before:
                    entry["reached"] = [mark]
                    self.settle(aid)
            return
        reached = entry.get("reached", [])
        newly = [name for name, threshold in achievement.levels[len(reached):]
                 if value >= threshold]
        if newly:
            self.write(aid)["reached"] = [*reached, *[mark] * len(newly)]
            self.unlocks += [Unlock(aid, name, mark["at"], mark["event_id"]) for name in newly]
            if not reached:
                self.settle(aid)

    def settle(self, aid: str) -> None:
        for achievement in self.achievements:
            rule = achievement.rule
            if rule.kind == "all_of" and aid in rule.achievements:
                self.complete(achievement)

    def complete(self, achievement: Achievement) -> None:
        assert achievement.rule.kind == "all_of"
        firsts = [self.read(part).get("reached") for part in achievement.rule.achievements]
        if self.read(achievement.id).get("reached") or not all(firsts):
            return
        latest = max((r[0] for r in firsts if r), key=lambda m: m["at"])
        window = achievement.window
        if window and not inside(latest["at"], window.start, window.end):
            return
        self.write(achievement.id)["reached"] = [dict(latest)]
        self.unlocks.append(Unlock(achievement.id, None, latest["at"], latest["event_id"]))
        self.settle(achievement.id)


def counts(achievement: Achievement, event: Mapping[str, Any]) -> bool:
    rule, window = achievement.rule, achievement.window
    assert rule.kind != "all_of"
    if rule.event != event["type"]:
        return False
    if window and not inside(event["event_time"], window.start, window.end):
        return False
    return all(event.get(name) in (wanted if isinstance(wanted, list) else [wanted])
               for name, wanted in rule.where.items())


def inside(moment: Any, start: Any, end: Any) -> bool:
    return (start is None or moment >= start) and (end is None or moment < end)


def utc_day(event: Mapping[str, Any]) -> int:
    return (event["event_time"].astimezone(UTC).date() - _EPOCH).days


def run_through(days: list[int], day: int) -> int:
    """The length of the run of consecutive days through `day`, walking."""
    first = last = day
    while first - 1 in days:
        first -= 1
    while last + 1 in days:
        last += 1
    return last - first + 1


def passed(value: float, threshold: float) -> int:
    """How many multiples of `threshold` `value` passed, at most what MongoDB can store."""
    if value == math.inf:
        return INT64_MAX
    if value == -math.inf:
        return 0
    return max(0, min(int(value // threshold), INT64_MAX))
