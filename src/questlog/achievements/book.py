"""The definitions compiled for evaluation: per event type, its rules and their filters.

An event only meets the rules of its type (a plan), and a plan holds each distinct
filter (window and `where`) once, so an event is matched against a filter once however
many rules share it. Each plan's rules run as one generated function, its step
(achievements.steps): `Book.source(event_type)` shows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from questlog.achievements.definitions import Achievement, AllOfRule
from questlog.achievements.steps import Step, write

# field -> the values it may have
Where = tuple[tuple[str, frozenset[Any]], ...]


# Which events of its type a rule counts: (after, before, where): inside the window
# [after, before) (None: open), with the `where` values.
Filter = tuple[datetime | None, datetime | None, Where]


@dataclass(frozen=True, slots=True)
class Counting:
    """One counter/sum/distinct/streak achievement, as its step and its unlocks read it."""

    id: str
    kind: str  # counter, sum, distinct or streak
    field: str | None  # the field a sum or distinct reads
    filter: int  # its filter's number in the plan; -1: every event of the type counts
    repeatable: bool
    thresholds: tuple[float, ...]
    names: tuple[str | None, ...]


@dataclass(frozen=True)
class Plan:
    """The rules of one event type, in file order, the distinct filters they use, and
    the step that applies an event to them."""

    filters: tuple[Filter, ...]
    rules: tuple[Counting, ...]
    source: str  # the step's code
    step: Step

    @classmethod
    def of(cls, event_type: str, achievements: Iterable[Achievement]) -> Plan:
        filters: dict[Filter, int] = {}
        rules: list[Counting] = []
        for achievement in achievements:
            rule = achievement.rule
            assert not isinstance(rule, AllOfRule)
            found = _filter(achievement)
            levels = achievement.levels
            rules.append(Counting(
                id=achievement.id, kind=rule.kind, field=getattr(rule, "field", None),
                filter=-1 if found is None else filters.setdefault(found, len(filters)),
                repeatable=achievement.repeatable, thresholds=tuple(t for _, t in levels),
                names=tuple(n for n, _ in levels),
            ))
        source, step = write(event_type, tuple(filters), rules)
        return cls(filters=tuple(filters), rules=tuple(rules), source=source, step=step)


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
    # ids -> the Book of only those (a backfill asks for the same one per player): a
    # Book's steps are compiled once
    _subsets: dict[frozenset[str], Book] = field(default_factory=dict, compare=False,
                                                 repr=False)

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
            by_event={k: Plan.of(k, v) for k, v in by_event.items()},
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
        wanted = frozenset(ids)
        subset = self._subsets.get(wanted)
        if subset is None:
            subset = self._subsets[wanted] = Book.of(
                [a for a in self.achievements if a.id in wanted])
        return subset

    def source(self, event_type: str) -> str:
        """The generated code that applies an event of `event_type` (see achievements.steps)."""
        return self.by_event[event_type].source
