"""Rule evaluation: pure functions from (definitions, a player's progress, events) to changes.

A player's progress is a mapping achievement id -> entry, a plain dict as MongoDB
stores it:
    value      counter: events counted; sum: the total; distinct: len(seen);
               streak: the longest run of consecutive UTC days
    seen       distinct: the values seen, up to the highest threshold
    days       streak: the UTC days (utc_day) with events, the recent ones
    reached    one {"at", "event_id"} per level reached (a tier, or the one threshold):
               the event_time and id of the event that completed it
    times, last   repeatable: how many times it was unlocked, and the latest unlock

Nothing here reads a clock or a database; the evaluator, the backfill and the tests
all fold events through `apply_events`, so they cannot disagree.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from questlog.achievements.book import COUNTER, DISTINCT, SUM, Book, Counting
from questlog.achievements.definitions import Achievement, AllOfRule
from questlog.events.envelope import INT64_MAX

Entry = dict[str, Any]
Event = Mapping[str, Any]

# Days a streak remembers before its newest day, beyond its longest level: ingestion
# refuses events older than max_past_days (30 by default), so an older day can no
# longer be filled in by a late event.
STREAK_MEMORY_DAYS = 35


@dataclass(slots=True)  # not frozen: a frozen one costs a setattr call per field, per unlock
class Unlock:
    achievement_id: str
    tier: str | None
    at: datetime
    event_id: str
    count: int = 1  # a repeatable's multiples passed by this one event


_EPOCH_ORDINAL = 719_163  # date(1970, 1, 1).toordinal()


def utc_day(moment: datetime) -> int:
    """Days since 1970-01-01, in UTC."""
    offset = moment.utcoffset()
    if offset:  # the store hands back UTC; anything else goes the long way
        return int(moment.timestamp() // 86400)
    return moment.toordinal() - _EPOCH_ORDINAL


def _streak(top: float, days: list[int], at: int, day: int, value: int
            ) -> tuple[list[int], int]:
    """The days and the longest run once `day`, which `days` lacks, has an event too
    (`at`: where it goes in `days`)."""
    days = days.copy()
    days.insert(at, day)
    run = _extent(days, at, -1) + 1 + _extent(days, at, 1)
    horizon = days[-1] - int(top) - STREAK_MEMORY_DAYS
    if days[0] < horizon:
        del days[: bisect.bisect_left(days, horizon)]
    return days, run if run > value else value


def _extent(days: list[int], at: int, step: int) -> int:
    """How many days in a row follow (step 1) or precede (step -1) days[at].

    `days` are sorted and distinct, so days[at + k * step] == days[at] + k * step means
    every day between is there too: the extent is found by bisection, not by a walk."""
    day, low, high = days[at], 0, (len(days) - 1 - at if step > 0 else at)
    while low < high:
        middle = (low + high + 1) // 2
        if days[at + middle * step] == day + middle * step:
            low = middle
        else:
            high = middle - 1
    return low


_EMPTY: Entry = {}  # never written: an entry is copied before it changes


@dataclass
class Outcome:
    changed: dict[str, Entry] = field(default_factory=dict)  # new entries, by achievement id
    unlocks: list[Unlock] = field(default_factory=list)


def apply_events(book: Book, state: Mapping[str, Entry], events: Iterable[Event]) -> Outcome:
    """Fold `events` (of one player, in order) into `state`; `state` itself is not changed."""
    return _Run(book, state).fold(events).outcome


class _Run:
    def __init__(self, book: Book, state: Mapping[str, Entry]) -> None:
        self.book, self.state, self.outcome = book, state, Outcome()

    def fold(self, events: Iterable[Event]) -> _Run:
        """The hot loop, each rule kind inlined (a call per rule would cost a tenth of the
        loop). Each distinct filter of the event's type is matched once. An entry is copied
        (once per run) only when an event changes it, so `changed` holds exactly the
        entries that changed."""
        by_event, changed, state = self.book.by_event, self.outcome.changed, self.state
        counter, summed, distinct, bisect_left = COUNTER, SUM, DISTINCT, bisect.bisect_left
        for event in events:
            plan = by_event.get(event["type"])
            if plan is None:
                continue
            get, moment, day = event.get, event["event_time"], None
            passed = []  # each distinct filter matched once, inline: a call each cost more
            for after, before, where in plan.filters:
                matched = (after is None or moment >= after) and (
                    before is None or moment < before)
                if matched:
                    for name, allowed in where:
                        if get(name) not in allowed:
                            matched = False
                            break
                passed.append(matched)
            for rule, aid, kind, filter_number, name_of, repeatable, levels, thresholds \
                    in plan.rules:
                if filter_number >= 0 and not passed[filter_number]:
                    continue
                entry = changed.get(aid)
                owned = entry is not None
                if entry is None:
                    entry = state.get(aid, _EMPTY)
                if kind == counter:
                    if not owned:
                        entry = changed[aid] = entry.copy()
                        owned = True
                    value = entry["value"] = entry.get("value", 0) + 1
                elif kind == summed:
                    amount = get(name_of)  # type: ignore[arg-type]
                    value = entry.get("value", 0)
                    if (amount.__class__ is int or amount.__class__ is float) or (
                            isinstance(amount, int | float) and not isinstance(amount, bool)):
                        if not owned:
                            entry = changed[aid] = entry.copy()
                            owned = True
                        value = entry["value"] = value + amount
                elif kind == distinct:
                    found = get(name_of)  # type: ignore[arg-type]
                    seen = entry.get("seen", ())
                    # Past the highest threshold more values change nothing: stop growing.
                    if found is not None and len(seen) < rule.top and found not in seen:
                        if not owned:
                            entry = changed[aid] = entry.copy()
                            owned = True
                        entry["seen"] = [*seen, found]
                        value = entry["value"] = len(seen) + 1
                    else:
                        value = entry.get("value", 0)
                else:
                    if day is None:
                        day = utc_day(moment)
                    days = entry.get("days") or []
                    at = bisect_left(days, day)
                    value = entry.get("value", 0)
                    if at == len(days) or days[at] != day:  # a day the streak lacked
                        if not owned:
                            entry = changed[aid] = entry.copy()
                            owned = True
                        entry["days"], value = _streak(rule.top, days, at, day, value)
                        entry["value"] = value
                if repeatable:
                    # multiples() without its call, but for an infinite sum (NaN)
                    times, passes = entry.get("times", 0), value // thresholds[0]
                    if passes > times or (passes != passes
                                          and multiples(value, thresholds[0]) > times):
                        if not owned:
                            entry = changed[aid] = entry.copy()
                        self.repeat(rule, entry, event)
                    continue
                reached = entry.get("reached")
                level = len(reached) if reached else 0
                if level < levels and value >= thresholds[level]:
                    if not owned:
                        entry = changed[aid] = entry.copy()
                    self.reach(rule, entry, event)
        return self

    def entry(self, aid: str) -> Entry:
        """The working copy of an entry, copied once per run. Its lists are shared with
        the original: a step replaces a list, never changes one in place."""
        entry = self.outcome.changed.get(aid)
        if entry is None:
            entry = self.outcome.changed[aid] = dict(self.state.get(aid, ()))
        return entry

    def reached(self, aid: str) -> list[dict[str, Any]]:
        entry = self.outcome.changed.get(aid) or self.state.get(aid) or {}
        reached: list[dict[str, Any]] = entry.get("reached", [])
        return reached

    def repeat(self, rule: Counting, entry: Entry, event: Event) -> None:
        """A repeatable achievement unlocks again each time its value passes a multiple."""
        before, times = entry.get("times", 0), multiples(entry.get("value", 0), rule.thresholds[0])
        if times > before:
            mark = {"at": event["event_time"], "event_id": event["_id"]}
            self.outcome.unlocks.append(
                Unlock(rule.id, None, mark["at"], mark["event_id"], count=times - before)
            )
            entry["times"], entry["last"] = times, mark
            if not before:
                entry["reached"] = [mark]
                self.settle(rule.id)

    def reach(self, rule: Counting, entry: Entry, event: Event) -> None:
        """Record every level the entry's value now reaches, as reached by `event`."""
        reached, value = entry.get("reached", []), entry.get("value", 0)
        mark = {"at": event["event_time"], "event_id": event["_id"]}
        level = len(reached)
        while level < len(rule.thresholds) and value >= rule.thresholds[level]:
            self.outcome.unlocks.append(
                Unlock(rule.id, rule.names[level], mark["at"], mark["event_id"])
            )
            level += 1
        entry["reached"] = [*reached, *[mark] * (level - len(reached))]
        if not reached:
            self.settle(rule.id)

    def settle(self, aid: str) -> None:
        """After `aid` first unlocked: unlock the all_of achievements it completes."""
        for achievement in self.book.dependents.get(aid, ()):
            self.complete(achievement)

    def complete(self, achievement: Achievement) -> None:
        if self.reached(achievement.id):
            return
        mark = completion(achievement, self.reached)
        if mark is not None:
            self.entry(achievement.id)["reached"] = [mark]
            self.outcome.unlocks.append(Unlock(achievement.id, None, mark["at"], mark["event_id"]))
            self.settle(achievement.id)


def multiples(value: float, threshold: float) -> int:
    """How many multiples of `threshold` `value` has passed, as a count MongoDB can store:
    one event may carry 1e308, and a sum of two of them is infinite."""
    if math.isinf(value):
        return INT64_MAX if value > 0 else 0
    return int(min(max(value // threshold, 0), INT64_MAX))


def completion(
    achievement: Achievement, reached: Callable[[str], list[dict[str, Any]]]
) -> dict[str, Any] | None:
    """An all_of achievement's unlock mark: when its last part unlocked, if in its window."""
    assert isinstance(achievement.rule, AllOfRule)
    firsts = [reached(part) for part in achievement.rule.achievements]
    if not all(firsts):
        return None
    mark: dict[str, Any] = dict(max((r[0] for r in firsts), key=lambda m: m["at"]))
    window = achievement.window
    return mark if window is None or window.contains(mark["at"]) else None


def recompute(
    book: Book, state: Mapping[str, Entry], events: Iterable[Event], ids: Iterable[str]
) -> dict[str, Entry]:
    """The entries of `ids` computed anew from `events`, the other entries as they are.

    For a backfill after a definitions change. An unlock already granted stays, with
    its time: a player never loses an achievement because its definition changed.
    """
    targets = set(ids)
    sub = book.only(targets)
    base = {aid: entry for aid, entry in state.items() if aid not in targets}
    run = _Run(sub, base).fold(events)
    for achievement in sub.achievements:  # all_of whose parts had unlocked before `events`
        if isinstance(achievement.rule, AllOfRule):
            run.complete(achievement)
    return {aid: _keep_unlocks(state.get(aid, {}), run.outcome.changed.get(aid, {}))
            for aid in targets}


def _keep_unlocks(old: Entry, new: Entry) -> Entry:
    merged = dict(new)
    old_reached, new_reached = old.get("reached", []), new.get("reached", [])
    if old_reached:
        merged["reached"] = old_reached + new_reached[len(old_reached):]
    if old.get("times", 0) > new.get("times", 0):
        merged["times"], merged["last"] = old["times"], old["last"]
    return merged
