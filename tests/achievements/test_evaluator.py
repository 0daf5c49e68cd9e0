"""The evaluator on a store: pending events applied once, in order, whoever else runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from achievement_factories import (
    T0,
    Interleaved,
    book,
    fresh_database,
    lobby,
    progress_of,
    recomputed,
    server_database,
    stored,
    vote,
)
from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo.errors import AutoReconnect

from questlog.achievements import evaluator as evaluator_module
from questlog.achievements import watermark
from questlog.achievements.definitions import DefinitionsError, parse_definitions
from questlog.achievements.documents import WATERMARKS, entries_of
from questlog.achievements.evaluator import STAMPED, Evaluator
from questlog.achievements.player_updates import order_key
from questlog.clock import utcnow
from questlog.events.registry import EVENT_MODELS
from questlog.settings import Settings
from questlog.store.types import on_a_server

DAY = timedelta(days=1)
DEFINITIONS = (
    {"id": "first_vote", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 1}},
    {"id": "well_read", "rule": {"kind": "distinct", "event": "BILL_VOTE", "field": "bill_id",
                                 "threshold": 3}},
    {"id": "regular", "rule": {"kind": "streak", "event": "BILL_VOTE", "days": 2}},
    {"id": "spender", "rule": {"kind": "sum", "event": "LOBBY_ATTEMPT", "field": "spend"},
     "tiers": [{"name": "bronze", "threshold": 20}, {"name": "gold", "threshold": 60}]},
    {"id": "statesman", "rule": {"kind": "all_of", "achievements": ["well_read", "spender"]}},
)
RULES = book(*DEFINITIONS)


def evaluator(database: AsyncIOMotorDatabase, batch_size: int = 200,
              clock: Callable[[], datetime] = utcnow) -> Evaluator:
    return Evaluator(book=RULES, events=Interleaved(database["events"]),
                     progress=Interleaved(database["player_progress"]), clock=clock,
                     batch_size=batch_size)


def play() -> list[dict]:
    """Three players' events over four days, arriving in mixed order."""
    events = []
    for day in range(4):
        for user in ("p1", "p2", "p3"):
            at = T0 + day * DAY + timedelta(minutes=len(events))
            events.append(vote(user=user, bill=f"b{(day + len(user)) % 4}", at=at))
            events.append(lobby(user=user, spend=7.5 * (day + 1), at=at + timedelta(seconds=1)))
    return events


async def test_pending_events_are_applied_and_the_raw_events_never_written() -> None:
    database = fresh_database()
    events = play()
    await database["events"].insert_many(events)
    stored = await database["events"].find({}).sort("_id", 1).to_list(None)

    done = await evaluator(database, batch_size=5).evaluate_pending()

    assert done == len(events)
    assert await progress_of(database) == recomputed(RULES, events)
    assert await database["events"].find({}).sort("_id", 1).to_list(None) == stored
    assert await database["achievement_watermarks"].count_documents({}) == 1


async def test_events_of_one_player_are_applied_in_arrival_order() -> None:
    database = fresh_database()
    # Arrival order differs from _id order: the distinct bill that completes well_read
    # arrives last, so well_read unlocks at its time.
    first = vote(bill="a", at=T0, event_id="z", received_at=T0)
    second = vote(bill="b", at=T0 + DAY, event_id="y", received_at=T0 + DAY)
    third = vote(bill="c", at=T0 + 2 * DAY, event_id="x", received_at=T0 + 2 * DAY)
    await database["events"].insert_many([third, first, second])

    await evaluator(database).evaluate_pending()

    doc = await database["player_progress"].find_one({"_id": "p1"})
    assert entries_of(doc)["well_read"]["reached"] == [{"at": T0 + 2 * DAY, "event_id": "x"}]
    assert doc["applied"] == ["z", "y", "x"]


async def test_within_one_request_events_apply_in_the_order_they_happened() -> None:
    database = fresh_database()
    same_request = T0 + DAY
    early = vote(bill="a", at=T0, event_id="2", received_at=same_request)
    late = vote(bill="b", at=T0 + timedelta(hours=1), event_id="1", received_at=same_request)
    await database["events"].insert_many([late, early])

    await evaluator(database).evaluate_pending()

    doc = await database["player_progress"].find_one({"_id": "p1"})
    assert doc["applied"] == ["2", "1"]
    assert entries_of(doc)["first_vote"]["reached"][0]["event_id"] == "2"


async def test_an_event_is_never_applied_twice_even_if_it_is_pending_again() -> None:
    database = fresh_database()
    events = play()
    await database["events"].insert_many(events)
    await evaluator(database).evaluate_pending()
    before = await progress_of(database)

    await database["achievement_watermarks"].delete_many({})  # a lost watermark
    again = await evaluator(database).evaluate_pending()

    assert again == len(events)
    assert await progress_of(database) == before


async def test_events_without_a_player_or_a_rule_are_left_alone() -> None:
    database = fresh_database()
    nobody = vote(user=None)
    poll = stored("POLL_INTERVAL", poll_id="x", leading_candidate="y", margin=1.0, moe=1.0)
    await database["events"].insert_many([nobody, poll])

    await evaluator(database).evaluate_pending()

    assert await database["player_progress"].count_documents({}) == 0
    assert (await evaluator(database).lag()).pending == 0  # read once, then behind the head
    assert await database["events"].count_documents({"evaluated_at": {"$exists": True}}) == 0


async def test_two_evaluators_on_one_store_apply_each_event_once() -> None:
    database = fresh_database()
    events = play()
    await database["events"].insert_many(events)
    first, second = evaluator(database, batch_size=4), evaluator(database, batch_size=7)

    await asyncio.gather(first.evaluate_pending(), second.evaluate_pending())

    assert await progress_of(database) == recomputed(RULES, events)
    assert first.stats.conflicts + second.stats.conflicts > 0  # they did collide


async def test_a_player_another_process_updated_meanwhile_is_not_updated_from_memory() -> None:
    """The evaluator keeps the documents it wrote; one another writer changed since is
    read again (its guard refuses the stale update), so nothing is lost or counted twice."""
    database = fresh_database()
    events = sorted(play(), key=order_key)
    third = len(events) // 3
    first, other = evaluator(database), evaluator(database)

    for part, process in ((events[:third], first), (events[third:2 * third], other),
                          (events[2 * third:], first)):
        await database["events"].insert_many(part)
        await process.evaluate_pending(settle=False)  # what follows what it read before

    assert await progress_of(database) == recomputed(RULES, events)
    assert first.stats.conflicts > 0  # its memory was stale, and the guard said so


async def test_a_player_read_again_then_updated_elsewhere_is_not_updated_from_memory() -> None:
    """The evaluator also keeps the documents it read again and found up to date (a
    restart's settle pass): one another writer changed since is read anew all the same."""
    database = fresh_database()
    events = sorted(play(), key=order_key)
    third = len(events) // 3
    first, other = evaluator(database), evaluator(database)
    await database["events"].insert_many(events[:third])
    await other.evaluate_pending()
    await database["achievement_watermarks"].delete_many({})  # read from the first again
    await first.evaluate_pending(settle=True)  # every event applied already: no write
    for part, process in ((events[third:2 * third], other), (events[2 * third:], first)):
        await database["events"].insert_many(part)
        await process.evaluate_pending(settle=False)

    assert await progress_of(database) == recomputed(RULES, events)
    assert first.stats.conflicts > 0  # what it kept was stale, and the guard said so


async def test_rules_that_fail_halfway_leave_nothing_counted_in_memory() -> None:
    """The rules change the players' documents the evaluator keeps in place: a batch
    whose rules fail after some of a player's events were counted must not leave that
    document behind, else the next batch would count those events twice."""
    database = fresh_database()
    rules = book(*DEFINITIONS)
    process = Evaluator(book=rules, events=Interleaved(database["events"]),
                        progress=Interleaved(database["player_progress"]), batch_size=200)
    earlier = [vote(bill="b1", at=T0), vote(bill="b2", at=T0 + DAY)]
    later = [vote(bill="b3", at=T0 + 2 * DAY), lobby(spend=30.0, at=T0 + 2 * DAY)]
    await database["events"].insert_many(earlier)
    await process.evaluate_pending(settle=False)  # the player's document kept in memory
    lobbying = rules.by_event["LOBBY_ATTEMPT"]
    working = lobbying.step

    def failing(*args: Any) -> None:
        raise RuntimeError("a rule failed")

    object.__setattr__(lobbying, "step", failing)  # after the vote of `later` is counted
    await database["events"].insert_many(later)
    with pytest.raises(RuntimeError):
        await process.evaluate_pending(settle=False)
    object.__setattr__(lobbying, "step", working)
    await process.evaluate_pending(settle=False)

    assert await progress_of(database) == recomputed(RULES, earlier + later)


async def erase_then_vote(database: AsyncIOMotorDatabase) -> list[dict[str, Any]]:
    """Three votes evaluated, the player erased, one vote more; the events that remain."""
    process = evaluator(database)
    earlier = [vote(at=T0 + timedelta(minutes=i), bill=f"b-{i}") for i in range(3)]
    await database["events"].insert_many(earlier)
    await process.evaluate_pending(settle=False)
    await database["events"].delete_many({})  # the erasure: the player's events and progress
    await database["player_progress"].delete_many({})
    later = [vote(at=T0 + timedelta(hours=1), bill="b-9")]
    await database["events"].insert_many(later)
    await process.evaluate_pending(settle=False)
    return later


async def test_a_player_erased_meanwhile_starts_again_from_nothing() -> None:
    """The evaluator keeps the documents it wrote; a player whose progress was deleted
    since (an erasure) is not written back from that memory: the next event counts from
    zero."""
    database = fresh_database()
    remaining = await erase_then_vote(database)
    assert await progress_of(database) == recomputed(RULES, remaining)


@pytest.mark.mongodb
async def test_on_a_real_mongodb_an_erased_player_starts_again_from_nothing(
    settings: Settings,
) -> None:
    """The same through the server's transactions (secantusd-rs has them)."""
    async with server_database(settings, "erased") as database:
        remaining = await erase_then_vote(database)
        assert await progress_of(database) == recomputed(RULES, remaining)


@pytest.mark.mongodb
async def test_on_a_real_mongodb_event_times_compare_and_are_kept_as_stored(
    settings: Settings,
) -> None:
    """The evaluator reads events with naive datetimes and makes them UTC again itself:
    a window's bounds and a streak's days meet them as the stored events, and an
    unlock's time is its event's (a client configured as Questlog's own)."""
    windowed = book(
        {"id": "regular", "rule": {"kind": "streak", "event": "BILL_VOTE", "days": 2}},
        {"id": "opening_days", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 2},
         "window": {"start": T0 + DAY, "end": T0 + 3 * DAY}},
        {"id": "spender", "rule": {"kind": "sum", "event": "LOBBY_ATTEMPT", "field": "spend",
                                   "threshold": 20}, "repeatable": True},
    )
    async with server_database(settings, "times", tzinfo=UTC) as database:
        events = play()
        await database["events"].insert_many(events)

        await Evaluator(book=windowed, events=database["events"],
                        progress=database["player_progress"]).evaluate_pending()

        assert await progress_of(database) == recomputed(windowed, events)


async def test_at_start_it_catches_up_on_events_stored_without_a_bus_message() -> None:
    database = fresh_database()
    events = play()
    await database["events"].insert_many(events)
    started = evaluator(database)

    await started.start()
    try:
        await started.wait_idle()
    finally:
        await started.stop()

    assert await progress_of(database) == recomputed(RULES, events)


async def test_lag_shows_pending_events_and_the_oldest_ones_age() -> None:
    database = fresh_database()
    events = play()
    await database["events"].insert_many(events)
    oldest = min(e["received_at"] for e in events)
    waiting = Evaluator(book=RULES, events=database["events"], progress=database["player_progress"],
                        clock=lambda: oldest + timedelta(seconds=90))

    lag = await waiting.lag()
    await waiting.evaluate_pending()

    assert (lag.pending, lag.oldest_pending_received_at) == (len(events), oldest)
    assert lag.lag_seconds == 90
    assert (await waiting.lag()).pending == 0


async def test_an_event_visible_after_a_pass_read_past_it_is_applied_by_the_settle_pass() -> None:
    """Two requests in flight: the later one's events are stored first, a pass reads
    them, then the earlier one's event (stamped before them) becomes visible."""
    database = fresh_database()
    now = T0 + 3 * DAY
    later = [vote(bill=f"b{i}", at=T0, received_at=now - timedelta(seconds=2)) for i in range(2)]
    earlier = vote(bill="b9", at=T0, received_at=now - timedelta(seconds=3))
    run = evaluator(database, clock=lambda: now)
    await database["events"].insert_many(later)
    await run.evaluate_pending(settle=True)

    await database["events"].insert_one(earlier)
    quick = await run.evaluate_pending(settle=False)
    settled = await run.evaluate_pending(settle=True)

    assert (quick, settled) == (0, 1)
    # Applied once, after the events it was stamped before (so an unlock may name another
    # event than a fold in stamp order would): the values are the recomputed ones.
    assert await values_of(database) == values(recomputed(RULES, [*later, earlier]))


OUT_OF_ORDER = "answered the evaluation index out of its order"


def out_of_order(events: list[dict]) -> list[dict]:
    """`events` in evaluation order but for the first, stored last."""
    ordered = sorted(events, key=order_key)
    return ordered[1:] + ordered[:1]


async def evaluated_out_of_order(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, batch_size: int,
) -> tuple[AsyncIOMotorDatabase, list[dict]]:
    """play() evaluated from a store taken for a server that answers the hinted walk out
    of order: mongomock ignores the hint and answers in the order it holds the events.
    The read checks each batch and says so."""
    monkeypatch.setattr(evaluator_module, "on_a_server", lambda collection: True)
    database, events = fresh_database(), play()
    await database["events"].insert_many(out_of_order(events))

    with caplog.at_level(logging.WARNING):
        await evaluator(database, batch_size=batch_size).evaluate_pending()

    assert OUT_OF_ORDER in caplog.text
    return database, events


async def test_a_walk_answered_out_of_order_at_once_is_read_again_sorted(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    database, events = await evaluated_out_of_order(monkeypatch, caplog, batch_size=100)

    assert await progress_of(database) == recomputed(RULES, events)


async def test_a_walk_answered_out_of_order_later_still_applies_each_event_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    """Batches in order were applied before the one out of order: the sorted read finds
    them applied, and applies the event that came late once, as a settle pass does."""
    database, events = await evaluated_out_of_order(monkeypatch, caplog, batch_size=5)

    applied = {doc["_id"]: doc["applied"] async for doc in database["player_progress"].find()}
    assert applied.keys() == {"p1", "p2", "p3"}
    for user, ids in applied.items():
        assert sorted(ids) == sorted(e["_id"] for e in events if e["user_id"] == user)


@pytest.mark.mongodb
async def test_on_a_real_mongodb_the_walk_of_the_evaluation_index_comes_in_its_order(
    settings: Settings, caplog: pytest.LogCaptureFixture,
) -> None:
    """What the read's speed rests on: the server answers the hinted walk in the index's
    order, however the events were stored, and nothing is read again."""
    async with server_database(settings, "walk") as database:
        events = play()
        await database["events"].insert_many(out_of_order(events))
        assert on_a_server(database["events"])
        assert on_a_server(database.client)
        assert not on_a_server(fresh_database()["events"])
        assert not on_a_server(fresh_database().client)
        run = Evaluator(book=RULES, events=database["events"],
                        progress=database["player_progress"], batch_size=5)

        with caplog.at_level(logging.WARNING):
            done = await run.evaluate_pending()

        assert OUT_OF_ORDER not in caplog.text
        assert done == len(events)
        assert await progress_of(database) == recomputed(RULES, events)


class HeldWrites:
    """The progress collection, whose first bulk write never ends: a pass stopped there
    has asked for the next batch already (see evaluator._batches)."""

    def __init__(self, real: Any) -> None:
        self._real, self.writing = real, asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def bulk_write(self, *args: Any, **kwargs: Any) -> Any:
        self.writing.set()
        await asyncio.Event().wait()


@pytest.mark.mongodb
async def test_on_a_real_mongodb_a_pass_stopped_halfway_leaves_the_rest_to_the_next(
    settings: Settings,
) -> None:
    """Stopped while it writes a batch, the next one asked for: the pass ends with its
    cancellation and nothing else, and a new evaluator applies every event exactly."""
    async with server_database(settings, "stopped") as database:
        events = [vote(user=f"p{i % 7}", bill=f"b{i % 5}", at=T0 + timedelta(minutes=i))
                  for i in range(300)]
        await database["events"].insert_many(events)
        held = HeldWrites(database["player_progress"])
        stopped = Evaluator(book=RULES, events=database["events"], progress=held,
                            batch_size=50)
        task = asyncio.create_task(stopped.evaluate_pending())
        await held.writing.wait()

        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await Evaluator(book=RULES, events=database["events"],
                        progress=database["player_progress"], batch_size=50).evaluate_pending()

        assert await progress_of(database) == recomputed(RULES, events)


class Unanswered:
    """The events, whose cursors answer their first read and never another."""

    def __init__(self, real: Any) -> None:
        self._real, self.asked = real, asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def find(self, *args: Any, **kwargs: Any) -> Any:
        return UnansweredCursor(self._real.find(*args, **kwargs), self.asked)


class UnansweredCursor:
    def __init__(self, real: Any, asked: asyncio.Event) -> None:
        self._real, self._asked, self._reads = real, asked, 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._real, name)
        return lambda *args, **kwargs: (method(*args, **kwargs), self)[1]  # chained

    async def to_list(self, length: int | None = None) -> list[dict]:
        self._reads += 1
        if self._reads == 1:
            return await self._real.to_list(length)
        self._asked.set()
        await asyncio.Event().wait()
        return []

    async def close(self) -> None:
        raise AssertionError("closed while a read was in flight")


async def test_a_pass_stopped_while_the_store_does_not_answer_a_read_stops_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The read asked for the next batch, which never comes: a stop waits for it at most
    READ_WAIT_SECONDS, and leaves the cursor (to the server's timeout) unclosed."""
    monkeypatch.setattr(evaluator_module, "READ_WAIT_SECONDS", 0.05)
    database = fresh_database()
    await database["events"].insert_many(play())
    silent = Unanswered(database["events"])
    run = Evaluator(book=RULES, events=silent, progress=database["player_progress"],
                    batch_size=5)
    task = asyncio.create_task(run.evaluate_pending())
    await silent.asked.wait()

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(2):  # TimeoutError, not CancelledError, if it hangs
            await task


async def test_a_restart_with_nothing_new_reads_no_event_again() -> None:
    """A process started after a quiet spell goes on from `settled`, not from the first
    event still stored."""
    database = fresh_database()
    events = play()
    await database["events"].insert_many(events)
    later = max(e["received_at"] for e in events) + timedelta(hours=1)

    def process(now: timedelta) -> Evaluator:
        return Evaluator(book=RULES, events=database["events"],
                         progress=database["player_progress"], clock=lambda: later + now)

    await process(timedelta()).evaluate_pending()
    restarted = process(timedelta(hours=1))
    await restarted.evaluate_pending()  # its catch-up: nothing since settled
    await restarted.evaluate_pending(settle=False)

    assert restarted.stats.evaluated == 0
    assert await progress_of(database) == recomputed(RULES, events)


def values(progress: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each player's achievements' values: an event stored late is applied after the
    events it was stamped before, so an unlock may name another event than a fold in
    stamp order would."""
    return {p: {a: e["value"] for a, e in entries.items()} for p, entries in progress.items()}


async def values_of(database: AsyncIOMotorDatabase) -> dict[str, dict[str, Any]]:
    return values(await progress_of(database))


NOW = T0 + 3 * DAY


def process(database: AsyncIOMotorDatabase) -> Evaluator:
    """An evaluator process within the settle window of the restart scenarios' events."""
    return evaluator(database, batch_size=4, clock=lambda: NOW)


def first_burst() -> list[dict]:
    """Ten votes of three players, received 8 s to 7.1 s before NOW."""
    return [vote(user=f"p{i % 3}", bill=f"b{i}", at=T0 + i * DAY / 10,
                 received_at=NOW - timedelta(seconds=8 - i / 10)) for i in range(10)]


async def restart(database: AsyncIOMotorDatabase, *, stopped: bool
                  ) -> tuple[int, int, list[dict]]:
    """A process applies a burst, then stops (or crashes); a burst for the same players
    and two events stamped within the first burst but stored late (one as its newest
    event was) follow; a new process starts within the settle window. What the new one's
    first pass answered, how many events it read whole, and all the events stored."""
    first = first_burst()
    second = [lobby(user=f"p{i % 3}", spend=7.5, at=T0 + DAY,
                    received_at=NOW - timedelta(seconds=2)) for i in range(6)]
    late = [vote(user="p1", bill="b-late", at=T0, received_at=NOW - timedelta(seconds=7.5)),
            vote(user="p2", bill="b-last", at=T0, received_at=first[-1]["received_at"])]

    await database["events"].insert_many(first)
    before = process(database)
    await before.evaluate_pending()
    if stopped:
        await before.stop()
    await database["events"].insert_many([*second, *late])
    after = process(database)
    done = await after.evaluate_pending()
    return done, after.stats.evaluated, [*first, *second, *late]


async def test_a_start_after_a_stop_reads_whole_only_what_the_stopped_process_did_not_apply(
) -> None:
    """A deploy: the stopped process kept the ids it applied within the settle window, so
    the next reads those as ids only, and whole the late events and the new burst."""
    database = fresh_database()

    done, evaluated, events = await restart(database, stopped=True)

    assert done == evaluated == 6 + 2
    assert await values_of(database) == values(recomputed(RULES, events))
    kept = await database[WATERMARKS].find_one({"_id": watermark.SEEN_KEY})
    assert kept is None  # taken by the start: it names events


async def test_a_start_after_a_crash_reads_the_settle_window_whole_and_applies_it_once(
) -> None:
    database = fresh_database()

    done, evaluated, events = await restart(database, stopped=False)

    assert done == evaluated == 10 + 6 + 2
    assert await values_of(database) == values(recomputed(RULES, events))


async def test_ids_too_many_to_keep_are_not_kept_and_the_next_start_reads_them_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(watermark, "KEEP_SEEN_BYTES", 200)  # fewer than ten ids' worth
    database = fresh_database()

    done, evaluated, events = await restart(database, stopped=True)

    assert done == evaluated == 10 + 6 + 2
    assert await values_of(database) == values(recomputed(RULES, events))


async def test_a_start_after_a_stop_with_nothing_new_reads_nothing_again() -> None:
    """Neither its settle pass nor the quick pass after it reads an event whole."""
    database = fresh_database()
    first = first_burst()
    await database["events"].insert_many(first)
    before = process(database)
    await before.evaluate_pending()
    await before.stop()

    after = process(database)
    passes = [await after.evaluate_pending(), await after.evaluate_pending(settle=False)]

    assert passes == [0, 0]
    assert await progress_of(database) == recomputed(RULES, first)


@pytest.mark.mongodb
async def test_on_a_real_mongodb_a_start_after_a_stop_reads_whole_only_what_is_new(
    settings: Settings,
) -> None:
    async with server_database(settings, "restart") as database:
        done, evaluated, events = await restart(database, stopped=True)
        assert done == evaluated == 6 + 2
        assert await values_of(database) == values(recomputed(RULES, events))


class FailingIdReads(Interleaved):
    """Events whose reads of ids alone (a projection) fail while `failing`."""

    failing = True

    def find(self, *args: Any, **kwargs: Any) -> Any:
        if self.failing and len(args) > 1:
            raise AutoReconnect("the store went away")
        return self._real.find(*args, **kwargs)


async def test_a_start_whose_read_of_the_kept_ids_fails_loses_nothing_on_its_next_pass(
) -> None:
    """The window's ids are read beside the events after them: that read failing fails
    the pass, and the next applies every event once."""
    database = fresh_database()
    first = [vote(user=f"p{i}", at=T0, received_at=NOW - timedelta(seconds=8)) for i in range(4)]
    second = [vote(user=f"p{i}", bill="b2", at=T0 + DAY, received_at=NOW - timedelta(seconds=2))
              for i in range(4)]
    await database["events"].insert_many(first)
    before = Evaluator(book=RULES, events=database["events"],
                       progress=database["player_progress"], clock=lambda: NOW)
    await before.evaluate_pending()
    await before.stop()
    await database["events"].insert_many(second)
    events = FailingIdReads(database["events"])
    after = Evaluator(book=RULES, events=events, progress=database["player_progress"],
                      clock=lambda: NOW)

    with pytest.raises(AutoReconnect):
        await after.evaluate_pending()
    events.failing = False
    await after.evaluate_pending()

    assert await progress_of(database) == recomputed(RULES, [*first, *second])


class FailingWrites(Interleaved):
    """A collection whose writes fail, as a store gone away does, or never answer."""

    def __init__(self, real: Any, *, answers: bool) -> None:
        super().__init__(real)
        self.answers = answers

    async def replace_one(self, *args: Any, **kwargs: Any) -> None:
        if self.answers:
            raise AutoReconnect("the store went away")
        await asyncio.Event().wait()


@pytest.mark.parametrize("answers", [True, False], ids=["failing", "silent"])
async def test_a_stop_whose_store_fails_still_stops_and_says_why(
    answers: bool, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(evaluator_module, "READ_WAIT_SECONDS", 0.05)
    database = fresh_database()
    first = first_burst()
    await database["events"].insert_many(first)
    run = Evaluator(book=RULES, events=database["events"], progress=database["player_progress"],
                    watermarks=FailingWrites(database[WATERMARKS], answers=answers),
                    clock=lambda: NOW)
    await run.start()
    await run.wait_idle()

    with caplog.at_level(logging.WARNING):
        async with asyncio.timeout(2):  # TimeoutError if the stop waits on the store
            await run.stop()

    assert "reads the settle window again whole" in caplog.text
    assert await progress_of(database) == recomputed(RULES, first)


def test_no_definition_can_read_a_timestamp_the_evaluator_leaves_naive() -> None:
    """The evaluator reads events without tz-aware decoding and makes only STAMPED's
    fields UTC again (the order's): a rule that could name another timestamp an event
    type declares would compare it naive."""
    declared = {(model.model_fields["type"].default, name) for model in EVENT_MODELS
                for name in timestamps(model.model_json_schema(by_alias=False))}
    assert ("BILL_VOTE", "occurred_at") in declared

    for event_type, name in [(t, n) for t, n in declared if n not in STAMPED]:
        with pytest.raises(DefinitionsError, match="not a string, number or boolean"):
            parse_definitions({"achievements": [{"id": "a", "rule": {
                "kind": "counter", "event": event_type, "threshold": 1,
                "where": {name: "2026-01-01T00:00:00Z"}}}]}, source="test")


def timestamps(schema: object, name: str | None = None) -> set[str]:
    """The properties of a JSON schema whose format is date-time, at any depth."""
    if isinstance(schema, list):
        return {found for item in schema for found in timestamps(item, name)}
    if not isinstance(schema, dict):
        return set()
    found = {name} if schema.get("format") == "date-time" and name else set()
    for key, value in schema.items():
        if key == "properties":
            found |= {f for prop, sub in value.items() for f in timestamps(sub, prop)}
        else:
            found |= timestamps(value, name)
    return found
