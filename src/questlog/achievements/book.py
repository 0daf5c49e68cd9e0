"""The definitions compiled for evaluation: per event type, its rules and their filters.

An event only meets the rules of its type (a plan), and a plan holds each distinct
filter (window and `where`) once, so an event is matched against a filter once however
many rules share it. The rules themselves are flat tuples, unpacked at once by the hot
loop in achievements.rules: attribute reads per rule were a measurable share of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from questlog.achievements.definitions import (
    Achievement,
    AllOfRule,
    CounterRule,
    DistinctRule,
    StreakRule,
    SumRule,
)

COUNTER, SUM, DISTINCT, STREAK = range(4)
_KINDS: dict[type, int] = {
    CounterRule: COUNTER, SumRule: SUM, DistinctRule: DISTINCT, StreakRule: STREAK,
}

# field -> the values it may have
Where = tuple[tuple[str, frozenset[Any]], ...]


# Which events of its type a rule counts: (after, before, where): inside the window
# [after, before) (None: open), with the `where` values.
Filter = tuple[datetime | None, datetime | None, Where]


@dataclass(frozen=True, slots=True)
class Counting:
    """One counter/sum/distinct/streak achievement, as the unlock steps read it."""

    id: str
    thresholds: tuple[float, ...]
    names: tuple[str | None, ...]
    top: float  # the highest threshold


# What the hot loop reads of a rule: (rule, id, kind, filter number or -1 for none, field,
# repeatable, how many levels, thresholds).
Hot = tuple[Counting, str, int, int, str | None, bool, int, tuple[float, ...]]


@dataclass(frozen=True, slots=True)
class Plan:
    """The rules of one event type, in file order, and the distinct filters they use."""

    filters: tuple[Filter, ...]
    rules: tuple[Hot, ...]

    @classmethod
    def of(cls, achievements: Iterable[Achievement]) -> Plan:
        filters: dict[Filter, int] = {}
        rules: list[Hot] = []
        for achievement in achievements:
            rule = achievement.rule
            assert not isinstance(rule, AllOfRule)
            found = _filter(achievement)
            number = -1 if found is None else filters.setdefault(found, len(filters))
            levels = achievement.levels
            counting = Counting(id=achievement.id, thresholds=tuple(t for _, t in levels),
                                names=tuple(n for n, _ in levels), top=levels[-1][1])
            rules.append((counting, achievement.id, _KINDS[type(rule)], number,
                          getattr(rule, "field", None), achievement.repeatable, len(levels),
                          counting.thresholds))
        return cls(filters=tuple(filters), rules=tuple(rules))


def _filter(achievement: Achievement) -> Filter | None:
    rule, window = achievement.rule, achievement.window
    assert not isinstance(rule, AllOfRule)
    if not rule.where and window is None:
        return None
    where = tuple(
        (name, frozenset(wanted if isinstance(wanted, list) else [wanted]))
        for name, wanted in sorted(rule.where.items())
    )
    return (window.start if window else None, window.end if window else None, where)


@dataclass(frozen=True)
class Book:
    """The definitions, indexed: an event only meets the plan of its type."""

    achievements: tuple[Achievement, ...]
    by_id: Mapping[str, Achievement]
    by_event: Mapping[str, Plan]
    # id -> the all_of achievements naming it, which its first unlock may complete
    dependents: Mapping[str, tuple[Achievement, ...]]

    @classmethod
    def of(cls, achievements: Sequence[Achievement]) -> Book:
        by_event: dict[str, list[Achievement]] = {}
        dependents: dict[str, list[Achievement]] = {}
        for a in achievements:
            if isinstance(a.rule, AllOfRule):
                for part in a.rule.achievements:
                    dependents.setdefault(part, []).append(a)
            else:
                by_event.setdefault(a.rule.event, []).append(a)
        return cls(
            achievements=tuple(achievements),
            by_id={a.id: a for a in achievements},
            by_event={k: Plan.of(v) for k, v in by_event.items()},
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
