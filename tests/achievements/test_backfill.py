"""Backfill after a definitions change: new and changed achievements over the stored events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

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
from motor.motor_asyncio import AsyncIOMotorDatabase

from questlog.achievements.backfill import backfill, changed_ids
from questlog.achievements.book import Book
from questlog.achievements.evaluator import Evaluator

DAY = timedelta(days=1)
FIRST_VOTE = {"id": "first_vote", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 1}}
OLD = book(FIRST_VOTE)
NEW = book(
    {**FIRST_VOTE, "rule": {**FIRST_VOTE["rule"], "where": {"stance": "nay"}}},  # changed
    {"id": "well_read", "rule": {"kind": "distinct", "event": "BILL_VOTE", "field": "bill_id",
                                 "threshold": 2}},  # new
    {"id": "statesman", "rule": {"kind": "all_of", "achievements": ["first_vote", "well_read"]}},
)


async def evaluate(database: AsyncIOMotorDatabase, rules: Book) -> None:
    await Evaluator(book=rules, events=database["events"],
                    progress=database["player_progress"]).evaluate_pending()


async def run_backfill(database: AsyncIOMotorDatabase, rules: Book, ids: list[str]) -> Any:
    return await backfill(
        book=rules, ids=ids, events=Interleaved(database["events"]),
        progress=Interleaved(database["player_progress"]),
        records=database["achievement_backfills"], now=datetime.now(UTC),
    )


async def test_new_achievements_unlock_for_players_who_already_qualify_at_the_qualifying_event(
) -> None:
    database = fresh_database()
    events = [vote(user="p1", bill="a", at=T0), vote(user="p1", bill="b", at=T0 + DAY),
              vote(user="p2", bill="a", at=T0 + 2 * DAY)]
    await database["events"].insert_many(events)
    await evaluate(database, OLD)

    report = await run_backfill(database, NEW, ["well_read"])

    assert set(report.achievement_ids) == {"well_read", "statesman"}  # and what builds on it
    progress = await progress_of(database)
    assert progress["p1"]["well_read"]["reached"] == [
        {"at": T0 + DAY, "event_id": events[1]["_id"]}]
    assert progress["p1"]["statesman"]["reached"][0]["at"] == T0 + DAY
    assert "reached" not in progress["p2"].get("well_read", {})


async def test_a_changed_achievement_is_recounted_but_keeps_the_unlocks_granted() -> None:
    database = fresh_database()
    await database["events"].insert_many([vote(user="p1", stance="yea", at=T0)])
    await evaluate(database, OLD)

    await run_backfill(database, NEW, ["first_vote"])

    entry = (await progress_of(database))["p1"]["first_vote"]
    assert entry.get("value", 0) == 0  # yea votes no longer count
    assert entry["reached"][0]["at"] == T0  # but the player keeps the achievement


async def test_events_still_pending_are_left_to_the_evaluator_and_counted_once() -> None:
    database = fresh_database()
    evaluated = [vote(user="p1", bill="a", at=T0)]
    await database["events"].insert_many(evaluated)
    await evaluate(database, OLD)
    pending = [vote(user="p1", bill="b", at=T0 + DAY), lobby(user="p1", at=T0 + DAY)]
    await database["events"].insert_many(pending)

    await run_backfill(database, NEW, ["well_read"])
    await evaluate(database, NEW)  # the restarted servers evaluate with the new definitions

    assert (await progress_of(database))["p1"]["well_read"] == recomputed(
        NEW, evaluated + pending)["p1"]["well_read"]


async def test_progress_an_earlier_version_stored_is_backfilled_and_keeps_its_other_entries(
) -> None:
    database = fresh_database()
    events = [vote(user="p1", bill="a", at=T0), vote(user="p1", bill="b", at=T0 + DAY)]
    await database["events"].insert_many(events)
    await evaluate(database, OLD)
    await as_earlier_version(database)

    await run_backfill(database, NEW, ["well_read"])

    progress = (await progress_of(database))["p1"]
    assert progress["first_vote"]["reached"][0]["at"] == T0  # kept as it was
    assert progress["well_read"] == recomputed(NEW, events)["p1"]["well_read"]
    doc = await database["player_progress"].find_one({"_id": "p1"})
    assert isinstance(doc["achievements"], bytes)


class WritesAfter:
    """A collection whose first update_one waits for `meanwhile` to run: another process
    writing between this one's read and its write."""

    def __init__(self, real: Any, meanwhile: Callable[[], Awaitable[Any]]) -> None:
        self._real, self._meanwhile = real, meanwhile

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def update_one(self, *args: Any, **kwargs: Any) -> Any:
        meanwhile, self._meanwhile = self._meanwhile, None
        if meanwhile is not None:
            await meanwhile()
        return await self._real.update_one(*args, **kwargs)


async def test_a_player_the_evaluator_changed_during_the_backfill_is_recomputed() -> None:
    counted = book(FIRST_VOTE, {"id": "votes", "rule": {"kind": "counter", "event": "BILL_VOTE",
                                                        "threshold": 100}})
    database = fresh_database()
    await database["events"].insert_many([vote(user="p1", at=T0 + i * DAY) for i in range(3)])
    await evaluate(database, OLD)
    await database["events"].insert_many([vote(user="p1", at=T0 + 5 * DAY)])

    await backfill(
        book=counted, ids=["votes"], events=database["events"],
        progress=WritesAfter(database["player_progress"], lambda: evaluate(database, counted)),
        records=database["achievement_backfills"], now=datetime.now(UTC),
    )

    assert (await progress_of(database))["p1"]["votes"]["value"] == 4


async def test_without_ids_only_new_or_changed_definitions_are_backfilled() -> None:
    database = fresh_database()
    records = database["achievement_backfills"]

    assert await changed_ids(NEW, records) == ["first_vote", "well_read", "statesman"]
    await run_backfill(database, NEW, await changed_ids(NEW, records))
    assert await changed_ids(NEW, records) == []

    renamed = book(*[{**a.model_dump(exclude_none=True), "name": "New name"}
                     for a in NEW.achievements])
    assert await changed_ids(renamed, records) == []  # a name does not change the counting
    stricter = book(*[a.model_dump(exclude_none=True) for a in NEW.achievements][:1],
                    {"id": "well_read", "rule": {"kind": "distinct", "event": "BILL_VOTE",
                                                 "field": "bill_id", "threshold": 3}},
                    NEW.achievements[2].model_dump(exclude_none=True))
    assert await changed_ids(stricter, records) == ["well_read"]
