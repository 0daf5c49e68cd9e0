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
    kind: int  # _COUNTER, _SUM, _DISTINCT or _STREAK
    top: float  # the highest threshold
    levels: int  # how many thresholds
    # The window's bounds as plain datetimes (None: open), and whether any filter applies.
    after: datetime | None = None
    before: datetime | None = None
    filtered: bool = False

    @property
    def hot(self) -> _Hot:
        """What the hot loop reads, as one tuple (unpacked at once, not attribute by
        attribute)."""
        return (self, self.id, self.kind, self.filtered, self.after, self.before, self.where,
                self.field, self.repeatable, self.levels, self.thresholds)


_Hot = tuple[_Counting, str, int, bool, datetime | None, datetime | None,
             tuple[tuple[str, frozenset[Any]], ...], str | None, bool, int, tuple[float, ...]]


_EPOCH_ORDINAL = 719_163  # date(1970, 1, 1).toordinal()


def utc_day(moment: datetime) -> int:
    """Days since 1970-01-01, in UTC."""
    offset = moment.utcoffset()
    if offset:  # the store hands back UTC; anything else goes the long way
        return int(moment.timestamp() // 86400)
    return moment.toordinal() - _EPOCH_ORDINAL


def _streak(rule: _Counting, days: list[int], day: int, value: int
            ) -> tuple[list[int], int] | None:
    """The days and the longest run once `day` has an event too; None if it had one."""
    at = bisect.bisect_left(days, day)
    if at < len(days) and days[at] == day:
        return None
    days = [*days[:at], day, *days[at:]]
    first, last = at, at
    while first > 0 and days[first - 1] == days[first] - 1:
        first -= 1
    while last + 1 < len(days) and days[last + 1] == days[last] + 1:
        last += 1
    value = max(value, last - first + 1)
    horizon = days[-1] - int(rule.top) - STREAK_MEMORY_DAYS
    del days[: bisect.bisect_left(days, horizon)]
    return days, value


_COUNTER, _SUM, _DISTINCT, _STREAK = range(4)
_KINDS: dict[type, int] = {
    CounterRule: _COUNTER, SumRule: _SUM, DistinctRule: _DISTINCT, StreakRule: _STREAK,
}
_EMPTY: Entry = {}  # never written: an entry is copied before it changes


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
        kind=_KINDS[type(rule)],
        top=levels[-1][1],
        levels=len(levels),
        after=achievement.window.start if achievement.window else None,
        before=achievement.window.end if achievement.window else None,
        filtered=bool(rule.where) or achievement.window is not None,
    )


@dataclass(frozen=True)
class Book:
    """The definitions, indexed: an event only meets the rules of its type."""

    achievements: tuple[Achievement, ...]
    by_id: Mapping[str, Achievement]
    by_event: Mapping[str, tuple[_Hot, ...]]
    # id -> the all_of achievements naming it, which its first unlock may complete
    dependents: Mapping[str, tuple[Achievement, ...]]

    @classmethod
    def of(cls, achievements: Sequence[Achievement]) -> Book:
        by_event: dict[str, list[_Hot]] = {}
        dependents: dict[str, list[Achievement]] = {}
        for a in achievements:
            if isinstance(a.rule, AllOfRule):
                for part in a.rule.achievements:
                    dependents.setdefault(part, []).append(a)
            else:
                by_event.setdefault(a.rule.event, []).append(_compile(a).hot)
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
        """The hot loop, each rule kind inlined (and its filter: a call per rule would cost
        a tenth of the loop). An entry is copied (once per run) only when an event changes
        it, so `changed` holds exactly the entries that changed."""
        by_event, changed, state = self.book.by_event, self.outcome.changed, self.state
        counter, summed, distinct = _COUNTER, _SUM, _DISTINCT
        for event in events:
            rules = by_event.get(event["type"])
            if rules is None:
                continue
            get, moment, day = event.get, event["event_time"], None
            for rule, aid, kind, filtered, after, before, where, name_of, repeatable, levels, \
                    thresholds in rules:
                if filtered:
                    if (after is not None and moment < after) or (
                            before is not None and moment >= before):
                        continue
                    for name, allowed in where:
                        if get(name) not in allowed:
                            break
                    else:
                        allowed = None
                    if allowed is not None:
                        continue
                entry = changed.get(aid)
                owned = entry is not None
                if entry is None:
                    entry = state.get(aid, _EMPTY)
                if kind == counter:
                    if not owned:
                        entry = changed[aid] = dict(entry)
                        owned = True
                    value = entry["value"] = entry.get("value", 0) + 1
                elif kind == summed:
                    amount = get(name_of)  # type: ignore[arg-type]
                    value = entry.get("value", 0)
                    if (amount.__class__ is int or amount.__class__ is float) or (
                            isinstance(amount, int | float) and not isinstance(amount, bool)):
                        if not owned:
                            entry = changed[aid] = dict(entry)
                            owned = True
                        value = entry["value"] = value + amount
                elif kind == distinct:
                    found = get(name_of)  # type: ignore[arg-type]
                    seen = entry.get("seen", ())
                    # Past the highest threshold more values change nothing: stop growing.
                    if found is not None and len(seen) < rule.top and found not in seen:
                        if not owned:
                            entry = changed[aid] = dict(entry)
                            owned = True
                        entry["seen"] = [*seen, found]
                        entry["value"] = len(seen) + 1
                    value = entry.get("value", 0)
                else:
                    if day is None:
                        day = utc_day(moment)
                    days = entry.get("days")
                    # the common case: another event of the latest day
                    if not days or days[-1] != day:
                        grown = _streak(rule, days or [], day, entry.get("value", 0))
                        if grown is not None:
                            if not owned:
                                entry = changed[aid] = dict(entry)
                                owned = True
                            entry["days"], entry["value"] = grown
                    value = entry.get("value", 0)
                if repeatable:
                    if multiples(value, thresholds[0]) > entry.get("times", 0):
                        if not owned:
                            entry = changed[aid] = dict(entry)
                        self.repeat(rule, entry, event)
                    continue
                reached = entry.get("reached")
                level = len(reached) if reached else 0
                if level < levels and value >= thresholds[level]:
                    if not owned:
                        entry = changed[aid] = dict(entry)
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
