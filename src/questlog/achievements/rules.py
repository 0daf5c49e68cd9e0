"""Rule evaluation: (definitions, a player's progress, events) folded into that progress.

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

The fold changes the progress it is given in place, the entries' lists too, and names
in `Outcome.changed` every entry it changed or began: the caller owns that progress
(the evaluator's, unpacked for the update from the player's document as read or as its
last write left it; the benchmark's). Copying each entry and list an event changes, as
the fold did before, cost a new object, the references of its contents and the freeing
of the old one per rule met, and every young collection then walked the copies. A
reached mark ({"at", "event_id"}) is never changed once made; a caller that needs the
progress as it was keeps a copy of its entries and their lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from questlog.achievements.book import Book, Counting
from questlog.achievements.definitions import Achievement, AllOfRule
from questlog.achievements.kinds import multiples
from questlog.achievements.steps import EMPTY
from questlog.events.envelope import INT64_MAX

Entry = dict[str, Any]
Event = Mapping[str, Any]


@dataclass(slots=True)  # not frozen: a frozen one costs a setattr call per field, per unlock
class Unlock:
    achievement_id: str
    tier: str | None
    at: datetime
    event_id: str
    count: int = 1  # a repeatable's multiples passed by this one event


@dataclass(slots=True)
class Outcome:
    changed: dict[str, Entry] = field(default_factory=dict)  # changed entries, by achievement id
    unlocks: list[Unlock] = field(default_factory=list)


def apply_events(book: Book, state: dict[str, Entry], events: Iterable[Event]) -> Outcome:
    """Fold `events` (of one player, in order) into `state`, in place."""
    return _Run(book, state).fold(events)


class _Run(Outcome):
    """A fold under way, and its outcome: the evaluator folds each player's events, so
    one object per fold, not a run and an outcome (and no more attribute hops)."""

    __slots__ = ("book", "state")

    def __init__(self, book: Book, state: dict[str, Entry]) -> None:
        self.book, self.state, self.changed, self.unlocks = book, state, {}, []

    def fold(self, events: Iterable[Event]) -> _Run:
        """Each event through its type's step (achievements.steps)."""
        by_event, changed, state = self.book.by_event, self.changed, self.state
        for event in events:
            plan = by_event.get(event["type"])
            if plan is not None:
                plan.step(event, state, changed, self)
        return self

    def current(self, aid: str) -> Entry:
        return self.state.get(aid) or EMPTY

    def own(self, aid: str, entry: Entry) -> Entry:
        """`entry`, the current one of `aid`, named changed before an unlock changes it
        (begun in the state if it was EMPTY)."""
        if entry is EMPTY:
            entry = self.state[aid] = {}
        self.changed[aid] = entry
        return entry

    def repeat(self, rule: Counting, entry: Entry, event: Event, before: int, passes: float
               ) -> None:
        """A repeatable achievement unlocks again each time its value passes a multiple
        (`before`: the times it did; `passes`: its value // threshold, as the step has
        it, which is the count of multiples unless it is NaN or past INT64_MAX)."""
        times = int(passes) if passes <= INT64_MAX else multiples(entry.get("value", 0),
                                                                  rule.thresholds[0])
        if times > before:  # not always: past INT64_MAX multiples, the count stays there
            entry = self.own(rule.id, entry)
            at, event_id = event["event_time"], event["_id"]
            self.unlocks.append(Unlock(rule.id, None, at, event_id, times - before))
            entry["times"], entry["last"] = times, {"at": at, "event_id": event_id}
            if not before:
                entry["reached"] = [entry["last"]]
                self.settle(rule.id)

    def reach(self, rule: Counting, entry: Entry, event: Event) -> None:
        """Record every level the entry's value now reaches, as reached by `event`, in
        the entry, named changed."""
        entry = self.own(rule.id, entry)
        reached, value = entry.get("reached"), entry.get("value", 0)
        at, event_id = event["event_time"], event["_id"]
        thresholds, names, unlocks = rule.thresholds, rule.names, self.unlocks
        level = first = len(reached) if reached else 0
        while level < len(thresholds) and value >= thresholds[level]:
            unlocks.append(Unlock(rule.id, names[level], at, event_id))
            level += 1
        marks = [{"at": at, "event_id": event_id}] * (level - first)
        if reached:
            reached.extend(marks)
        else:
            entry["reached"] = marks
        if not first and rule.id in self.book.dependents:  # most have none: no call
            self.settle(rule.id)

    def settle(self, aid: str) -> None:
        """After `aid` first unlocked: unlock the all_of achievements it completes."""
        for achievement in self.book.dependents.get(aid, ()):
            self.complete(achievement)

    def complete(self, achievement: Achievement) -> None:
        """Unlock an all_of achievement once all its parts have: when the last of them
        first unlocked, if in its window. Most calls end at a part still locked, so
        the parts are read in place, until one is."""
        rule = achievement.rule
        assert isinstance(rule, AllOfRule)
        if self.current(achievement.id).get("reached"):
            return
        state = self.state
        firsts: list[dict[str, Any]] = []
        for part in rule.achievements:
            reached = (state.get(part) or EMPTY).get("reached")
            if not reached:
                return
            firsts.append(reached[0])
        mark = dict(max(firsts, key=itemgetter("at")))
        window = achievement.window
        if window is None or window.contains(mark["at"]):
            self.own(achievement.id, self.current(achievement.id))["reached"] = [mark]
            self.unlocks.append(Unlock(achievement.id, None, mark["at"], mark["event_id"]))
            self.settle(achievement.id)


def recompute(
    book: Book, state: Mapping[str, Entry], events: Iterable[Event], ids: Iterable[str]
) -> dict[str, Entry]:
    """The entries of `ids` computed anew from `events`, the other entries as they are.

    For a backfill after a definitions change. An unlock already granted stays, with
    its time: a player never loses an achievement because its definition changed.
    """
    targets = set(ids)
    sub = book.only(targets)
    # The run changes only the entries of `ids`, which `base` lacks: not the caller's.
    base = {aid: entry for aid, entry in state.items() if aid not in targets}
    run = _Run(sub, base).fold(events)
    for achievement in sub.achievements:  # all_of whose parts had unlocked before `events`
        if isinstance(achievement.rule, AllOfRule):
            run.complete(achievement)
    return {aid: _keep_unlocks(state.get(aid, {}), run.changed.get(aid, {}))
            for aid in targets}


def _keep_unlocks(old: Entry, new: Entry) -> Entry:
    merged = dict(new)
    old_reached, new_reached = old.get("reached", []), new.get("reached", [])
    if old_reached:
        merged["reached"] = old_reached + new_reached[len(old_reached):]
    if old.get("times", 0) > new.get("times", 0):
        merged["times"], merged["last"] = old["times"], old["last"]
    return merged
