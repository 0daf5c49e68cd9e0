"""Properties: whatever events arrive, in whatever waves, read in batches of any size and
written in chunks of any size, by one evaluator or two at once, in quick or settle
passes, after an upgrade from the version that stored entries unpacked or not (the old
processes stopped, keeping the ids they applied, or crashed), every
player's progress equals a recomputation from the raw events; and the rules fold the
same in any split."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from achievement_factories import (
    T0,
    Interleaved,
    as_earlier_version,
    book,
    fresh_database,
    lobby,
    progress_of,
    recomputed,
    vote,
)
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from questlog.achievements import player_updates
from questlog.achievements.book import Book
from questlog.achievements.evaluator import Evaluator
from questlog.achievements.rules import apply_events
from questlog.bench.achievements import generate_definitions, stored_events

DAY = timedelta(days=1)
WAVE = timedelta(seconds=10)  # waves within one settle window: a restart reads them again
RULES = book(
    {"id": "first_vote", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 1}},
    {"id": "yea", "rule": {"kind": "counter", "event": "BILL_VOTE", "where": {"stance": "yea"},
                           "threshold": 2}, "repeatable": True},
    {"id": "well_read", "rule": {"kind": "distinct", "event": "BILL_VOTE", "field": "bill_id",
                                 "threshold": 3}},
    {"id": "regular", "rule": {"kind": "streak", "event": "BILL_VOTE"},
     "tiers": [{"name": "two", "threshold": 2}, {"name": "four", "threshold": 4}]},
    {"id": "spender", "rule": {"kind": "sum", "event": "LOBBY_ATTEMPT", "field": "spend"},
     "tiers": [{"name": "bronze", "threshold": 20}, {"name": "gold", "threshold": 60}],
     "window": {"start": T0 + DAY, "end": T0 + 4 * DAY}},
    {"id": "statesman", "rule": {"kind": "all_of", "achievements": ["well_read", "spender"]}},
)

plays = st.lists(
    st.tuples(
        st.sampled_from(["p1", "p2", "p3", "p4"]),
        st.booleans(),  # a vote, else a lobbying attempt
        st.integers(0, 3),  # which bill
        st.integers(0, 5),  # the day it happened
        st.integers(0, 2),  # the wave it arrives in
        st.booleans(),  # stamped in the wave before (visible late), if there is one
    ),
    max_size=30,
)
# Per wave: which evaluator runs which pass (settle or quick), one after the other or at once.
passes = st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), min_size=3, max_size=3)


Play = tuple[str, bool, int, int, int, bool]


def unordered(progress: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The entries as the order of their events leaves no trace: each unlock reduced to
    how many there were, not which event made it or when (`reached`, a repeatable's
    `last`), and what was seen (bills, days) as a set."""
    def entry(e: dict[str, Any]) -> dict[str, Any]:
        kept = {k: sorted(v) if isinstance(v, list) else v for k, v in e.items()
                if k not in ("last", "reached")}
        return {**kept, "reached": len(e.get("reached", ()))}

    return {p: {a: entry(e) for a, e in entries.items()} for p, entries in progress.items()}


def arrivals(plays: list[Play]) -> list[list[dict[str, Any]]]:
    """The events of each wave; a later wave arrives after an earlier one, some of its
    events stamped in the wave before (two requests in flight, the earlier one stored
    last: see watermark.SETTLE)."""
    waves: list[list[dict[str, Any]]] = [[], [], []]
    for index, (user, voted, bill, day, wave, late) in enumerate(plays):
        at = T0 + day * DAY + timedelta(seconds=index)
        stamped = wave - 1 if late and wave else wave
        received = T0 + 10 * DAY + stamped * WAVE + timedelta(milliseconds=index)
        made = (vote(user=user, bill=f"b{bill}", at=at, received_at=received) if voted
                else lobby(user=user, spend=5.0 * (bill + 1), at=at, received_at=received))
        waves[wave].append(made)
    return waves


@examples(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plays=plays, runs=passes, batch=st.integers(1, 7), chunk=st.integers(1, 3),
       upgrade=st.integers(1, 3), stopped=st.booleans())
def test_progress_equals_a_recomputation_whatever_the_batches_and_processes(
    plays: list[Play], runs: list[tuple[bool, bool, bool]],
    batch: int, chunk: int, upgrade: int, stopped: bool,
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(player_updates, "CHUNK_PLAYERS", chunk)
        asyncio.run(_scenario(arrivals(plays), runs, batch, upgrade, stopped))


async def _scenario(waves: list[list[dict[str, Any]]], runs: list[tuple[bool, bool, bool]],
                    batch: int, upgrade: int, stopped: bool) -> None:
    """Before the wave `upgrade` (3: none), the progress so far is rewritten as the version
    that stored entries unpacked would have left it, and the processes restart on it,
    the old ones `stopped` (each keeping the ids it applied) or gone at once."""
    database = fresh_database()
    clock = [T0]

    def evaluator() -> Evaluator:
        return Evaluator(book=RULES, events=Interleaved(database["events"]),
                         progress=Interleaved(database["player_progress"]),
                         clock=lambda: clock[0], batch_size=batch)

    first, second = evaluator(), evaluator()
    for number, (wave, (settle, both, together)) in enumerate(zip(waves, runs, strict=True)):
        if number == upgrade:
            if stopped:
                await first.stop()
                await second.stop()
            await as_earlier_version(database)
            first, second = evaluator(), evaluator()
        clock[0] = T0 + 10 * DAY + (number + 1) * WAVE
        if wave:
            await database["events"].insert_many(wave)
        if not both:
            await first.evaluate_pending(settle=settle)
        elif together:
            await asyncio.gather(first.evaluate_pending(settle=settle),
                                 second.evaluate_pending(settle=not settle))
        else:
            await second.evaluate_pending(settle=settle)
            await first.evaluate_pending(settle=not settle)
    await first.evaluate_pending(settle=True)  # as the periodic one: finds the late ones

    events = [event for wave in waves for event in wave]
    progress, wanted = await progress_of(database), recomputed(RULES, events)
    if any(e["received_at"] < previous["received_at"] for previous, e in pairwise(events)):
        # An event visible late is applied after those stamped after it, so an unlock
        # may name another event (and time) than a fold in stamp order: the rest is equal.
        progress, wanted = unordered(progress), unordered(wanted)
    assert progress == wanted
    assert (await first.lag()).pending == 0


@examples(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), cuts=st.lists(st.integers(1, 40), max_size=8))
def test_generated_definitions_fold_the_same_in_any_split(seed: int, cuts: list[int]) -> None:
    """The benchmark's kind of file (every kind, shared filters, windows, tiers,
    repeatables, all_of) folded over one player's events at once or in pieces."""
    now = T0 + 20 * DAY
    rules = Book.of(generate_definitions(40, now=now, seed=seed))
    events = [dict(e, user_id="p1") for e in stored_events(60, now=now, seed=seed)]

    state: dict[str, Any] = {}
    start = 0
    for cut in [*cuts, len(events)]:
        state = {**state, **apply_events(rules, state, events[start:start + cut]).changed}
        start += cut
    rest = apply_events(rules, state, events[start:]).changed

    assert {**state, **rest} == apply_events(rules, {}, events).changed
