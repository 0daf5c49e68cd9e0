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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from questlog.achievements.definitions import (
    Achievement,
    AllOfRule,
    CounterRule,
    DistinctRule,
    StreakRule,
    SumRule,
    Window,
)
from questlog.events.envelope import INT64_MAX

Entry = dict[str, Any]
Event = Mapping[str, Any]

# Days a streak remembers before its newest day, beyond its longest level: ingestion
# refuses events older than max_past_days (30 by default), so an older day can no
# longer be filled in by a late event.
STREAK_MEMORY_DAYS = 35


@dataclass(frozen=True)
class Unlock:
    achievement_id: str
    tier: str | None
    at: datetime
    event_id: str
    count: int = 1  # a repeatable's multiples passed by this one event


@dataclass(frozen=True, slots=True)
class _Counting:
    """One counter/sum/distinct/streak achievement, ready for the hot loop."""

    id: str
    where: tuple[tuple[str, frozenset[Any]], ...]
    field: str | None
    thresholds: tuple[float, ...]
    names: tuple[str | None, ...]
    repeatable: bool
    window: Window | None
    step: Callable[[_Counting, Entry, Event], None]

    def counts(self, event: Event) -> bool:
        for name, allowed in self.where:
            if event.get(name) not in allowed:
                return False
        return self.window is None or self.window.contains(event["event_time"])


_EPOCH_ORDINAL = 719_163  # date(1970, 1, 1).toordinal()


def utc_day(moment: datetime) -> int:
    """Days since 1970-01-01, in UTC."""
    offset = moment.utcoffset()
    if offset:  # the store hands back UTC; anything else goes the long way
        return int(moment.timestamp() // 86400)
    return moment.toordinal() - _EPOCH_ORDINAL


def _count(rule: _Counting, entry: Entry, event: Event) -> None:
    entry["value"] = entry.get("value", 0) + 1


def _sum(rule: _Counting, entry: Entry, event: Event) -> None:
    amount = event.get(rule.field)  # type: ignore[arg-type]
    if isinstance(amount, int | float) and not isinstance(amount, bool):
        entry["value"] = entry.get("value", 0) + amount


def _distinct(rule: _Counting, entry: Entry, event: Event) -> None:
    value = event.get(rule.field)  # type: ignore[arg-type]
    seen = entry.get("seen", ())
    # Past the highest threshold more values change nothing: stop growing the document.
    if value is not None and value not in seen and len(seen) < rule.thresholds[-1]:
        entry["seen"] = [*seen, value]
        entry["value"] = len(seen) + 1


def _streak(rule: _Counting, entry: Entry, event: Event) -> None:
    day = utc_day(event["event_time"])
    days = entry.get("days", [])
    if days and days[-1] == day:  # the common case: another event of the latest day
        return
    at = bisect.bisect_left(days, day)
    if at < len(days) and days[at] == day:
        return
    days = entry["days"] = [*days[:at], day, *days[at:]]
    first, last = at, at
    while first > 0 and days[first - 1] == days[first] - 1:
        first -= 1
    while last + 1 < len(days) and days[last + 1] == days[last] + 1:
        last += 1
    entry["value"] = max(entry.get("value", 0), last - first + 1)
    horizon = days[-1] - int(rule.thresholds[-1]) - STREAK_MEMORY_DAYS
    del days[: bisect.bisect_left(days, horizon)]


_STEPS: dict[type, Callable[[_Counting, Entry, Event], None]] = {
    CounterRule: _count, SumRule: _sum, DistinctRule: _distinct, StreakRule: _streak,
}


def _compile(achievement: Achievement) -> _Counting:
    rule = achievement.rule
    assert not isinstance(rule, AllOfRule)
    levels = achievement.levels
    return _Counting(
        id=achievement.id,
        where=tuple(
            (name, frozenset(wanted if isinstance(wanted, list) else [wanted]))
            for name, wanted in rule.where.items()
        ),
        field=getattr(rule, "field", None),
        thresholds=tuple(t for _, t in levels),
        names=tuple(n for n, _ in levels),
        repeatable=achievement.repeatable,
        window=achievement.window,
        step=_STEPS[type(rule)],
    )


@dataclass(frozen=True)
class Book:
    """The definitions, indexed: an event only meets the rules of its type."""

    achievements: tuple[Achievement, ...]
    by_id: Mapping[str, Achievement]
    by_event: Mapping[str, tuple[_Counting, ...]]
    # id -> the all_of achievements naming it, which its first unlock may complete
    dependents: Mapping[str, tuple[Achievement, ...]]

    @classmethod
    def of(cls, achievements: Sequence[Achievement]) -> Book:
        by_event: dict[str, list[_Counting]] = {}
        dependents: dict[str, list[Achievement]] = {}
        for a in achievements:
            if isinstance(a.rule, AllOfRule):
                for part in a.rule.achievements:
                    dependents.setdefault(part, []).append(a)
            else:
                by_event.setdefault(a.rule.event, []).append(_compile(a))
        return cls(
            achievements=tuple(achievements),
            by_id={a.id: a for a in achievements},
            by_event={k: tuple(v) for k, v in by_event.items()},
            dependents={k: tuple(v) for k, v in dependents.items()},
        )

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self.by_event)

    def with_dependents(self, ids: Iterable[str]) -> set[str]:
        """`ids` and every all_of achievement that depends on one of them, transitively."""
        todo = list(ids)
        out = set(todo)
        while todo:
            for achievement in self.dependents.get(todo.pop(), ()):
                if achievement.id not in out:
                    out.add(achievement.id)
                    todo.append(achievement.id)
        return out

    def only(self, ids: Iterable[str]) -> Book:
        wanted = set(ids)
        return Book.of([a for a in self.achievements if a.id in wanted])


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
        by_event, changed, state = self.book.by_event, self.outcome.changed, self.state
        for event in events:
            for rule in by_event.get(event["type"], ()):
                if (rule.where or rule.window) and not rule.counts(event):
                    continue
                entry = changed.get(rule.id)  # self.entry(), inlined: this is the hot loop
                if entry is None:
                    entry = changed[rule.id] = dict(state.get(rule.id, ()))
                rule.step(rule, entry, event)
                if rule.repeatable:
                    self.repeat(rule, entry, event)
                    continue
                level = len(entry.get("reached", ()))
                if level < len(rule.thresholds) and entry.get("value", 0) >= rule.thresholds[level]:
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

    def repeat(self, rule: _Counting, entry: Entry, event: Event) -> None:
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

    def reach(self, rule: _Counting, entry: Entry, event: Event) -> None:
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
