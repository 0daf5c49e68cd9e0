"""Property: the generated steps fold exactly as a plain reference interpreter
(reference_fold.py) over generated definitions and events: the same changed entries,
the same unlocks in the same order, and the state they were given changed in place to
the same entries.

The definitions use every kind and option (windows, `where` on one or two fields,
tiers, repeatables, distinct, streaks, all_of of all_of); the events come late and out
of order across days, some without the summed field or with amounts past 1e308; the
state folded into was built under other thresholds, so entries can already be past a
threshold they have not reached.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from achievement_factories import T0, book, lobby, stored
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st
from reference_fold import Reference

from questlog.achievements import steps
from questlog.achievements.rules import apply_events, recompute

DAY = timedelta(days=1)
FIELDS = {  # per type: (summed, distinct, where) fields
    "BILL_VOTE": (["seat_weight", "lobby_payments_count"], ["bill_id", "stance"],
                  {"stance": ["yea", "nay", "abstain"], "lobby_payments_count": [0, 1, 2]}),
    "LOBBY_ATTEMPT": (["spend", "difficulty_tier"], ["difficulty_tier", "success"],
                      {"success": [True, False], "difficulty_tier": [1, 2, 3]}),
}
MOMENTS = [None, T0 + 2 * DAY, T0 + 5 * DAY, T0 + 9 * DAY]


@st.composite
def rules(draw: st.DrawFn, index: int) -> dict[str, Any]:
    """One counting definition of any kind and options."""
    event = draw(st.sampled_from(sorted(FIELDS)))
    summed, distinct, where = FIELDS[event]
    kind = draw(st.sampled_from(["counter", "sum", "distinct", "streak"]))
    rule: dict[str, Any] = {"kind": kind, "event": event}
    if kind in ("sum", "distinct"):
        rule["field"] = draw(st.sampled_from(summed if kind == "sum" else distinct))
    for name in draw(st.lists(st.sampled_from(sorted(where)), max_size=2, unique=True)):
        wanted = draw(st.lists(st.sampled_from(where[name]), min_size=1, max_size=2, unique=True))
        rule["where"] = {**rule.get("where", {}), name: wanted if len(wanted) > 1 else wanted[0]}
    item: dict[str, Any] = {"id": f"a{index}", "rule": rule}
    low = draw(st.integers(1, 4))
    if draw(st.booleans()):
        steps = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
        thresholds = [low + sum(steps[:i]) for i in range(len(steps) + 1)]
        item["tiers"] = [{"name": f"t{t}", "threshold": t * (10 if kind == "sum" else 1)}
                         for t in thresholds]
    else:
        rule["days" if kind == "streak" else "threshold"] = low * (10 if kind == "sum" else 1)
        item["repeatable"] = kind in ("counter", "sum") and draw(st.booleans())
    item |= window(draw)
    return item


def window(draw: st.DrawFn) -> dict[str, Any]:
    start, end = draw(st.sampled_from(MOMENTS)), draw(st.sampled_from(MOMENTS))
    if (start is None and end is None) or (start and end and start >= end):
        return {}
    return {"window": {k: v for k, v in (("start", start), ("end", end)) if v}}


@st.composite
def definitions(draw: st.DrawFn) -> list[dict[str, Any]]:
    items = [draw(rules(i)) for i in range(draw(st.integers(1, 12)))]
    for i in range(draw(st.integers(0, 3))):  # each may name an earlier all_of
        earlier = [item["id"] for item in items]
        parts = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=3, unique=True))
        items.append({"id": f"all{i}", "rule": {"kind": "all_of", "achievements": parts}}
                     | window(draw))
    return items


def scaled(items: list[dict[str, Any]], factor: float) -> list[dict[str, Any]]:
    """The same definitions with every threshold times `factor`."""
    out = copy.deepcopy(items)
    for item in out:
        rule = item["rule"]
        for key in ("threshold", "days"):
            if key in rule:
                rule[key] = max(1, round(rule[key] * factor))
        for tier in item.get("tiers", []):
            tier["threshold"] = tier["threshold"] * factor
    return out


@st.composite
def events(draw: st.DrawFn) -> list[dict[str, Any]]:
    made = []
    for index in range(draw(st.integers(0, 40))):
        at = T0 + draw(st.integers(0, 12)) * DAY + timedelta(minutes=index)
        if draw(st.booleans()):
            made.append(stored("BILL_VOTE", at=at, bill_id=f"b{draw(st.integers(0, 6))}",
                               stance=draw(st.sampled_from(["yea", "nay", "abstain"])),
                               seat_weight=draw(st.sampled_from([0.5, 3.0])),
                               lobby_payments_count=draw(st.integers(0, 2))))
            continue
        spend = draw(st.sampled_from([5.0, 25.0, -10.0, 1e308, None, "missing"]))
        made.append(lobby(spend=spend, at=at, success=draw(st.booleans()),
                          tier=draw(st.integers(1, 3))))
        if spend == "missing":
            del made[-1]["spend"]
    return made


@examples(max_examples=300, deadline=None)
@given(items=definitions(), before=events(), after=events(), factor=st.sampled_from([2, 0.5]))
def test_the_steps_fold_as_the_reference_interpreter(
    items: list[dict[str, Any]], before: list[dict[str, Any]], after: list[dict[str, Any]],
    factor: float,
) -> None:
    earlier, rules_now = book(*scaled(items, factor)), book(*items)
    state = Reference(earlier.achievements, {}).fold(before).changed
    expected = Reference(rules_now.achievements, state).fold(after)

    outcome = apply_events(rules_now, state, after)

    assert outcome.changed == expected.changed
    assert outcome.unlocks == expected.unlocks
    assert state == expected.entries  # changed in place, new entries begun in it
    assert steps.EMPTY == {}  # the entry every step reads for an achievement not begun


@examples(max_examples=100, deadline=None)
@given(items=definitions(), before=events(), after=events())
def test_one_event_at_a_time_folds_as_the_reference_interpreter(
    items: list[dict[str, Any]], before: list[dict[str, Any]], after: list[dict[str, Any]],
) -> None:
    """As the benchmark and a live evaluator apply them: each event alone on the state."""
    rules_now = book(*items)
    state = Reference(rules_now.achievements, {}).fold(before).changed
    expected = Reference(rules_now.achievements, state).fold(after)

    unlocks = []
    for event in after:
        unlocks += apply_events(rules_now, state, [event]).unlocks

    assert state == {**expected.entries}
    assert unlocks == expected.unlocks


@examples(max_examples=100, deadline=None)
@given(items=definitions(), events=events(), factor=st.sampled_from([2, 0.5]))
def test_recompute_counts_as_the_reference_interpreter(
    items: list[dict[str, Any]], events: list[dict[str, Any]], factor: float,
) -> None:
    """A backfill's recomputation: the counting anew, the unlocks already granted kept."""
    rules_now = book(*items)
    state = Reference(book(*scaled(items, factor)).achievements, {}).fold(events).changed
    ids = [a.id for a in rules_now.achievements]

    entries = recompute(rules_now, state, events, ids)

    fresh = Reference(rules_now.achievements, {}).fold(events)
    for achievement in rules_now.achievements:  # an all_of whose parts unlocked before
        if achievement.rule.kind == "all_of":
            fresh.complete(achievement)
    for aid in ids:
        new, old = fresh.entries.get(aid, {}), state.get(aid, {})
        assert entries[aid].get("value") == new.get("value")
        assert entries[aid].get("seen") == new.get("seen")
        assert entries[aid].get("days") == new.get("days")
        reached = old.get("reached", [])
        assert entries[aid].get("reached", []) == reached + new.get("reached", [])[len(reached):]
        assert entries[aid].get("times", 0) == max(old.get("times", 0), new.get("times", 0))
