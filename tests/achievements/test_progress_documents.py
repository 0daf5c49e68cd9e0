"""A player's stored entries: packed by this version, a plain map in documents written by
earlier ones; every reader takes both, and the player's next update packs them."""

from __future__ import annotations

from datetime import timedelta

from achievement_factories import (
    T0,
    as_earlier_version,
    book,
    fresh_database,
    progress_of,
    recomputed,
    vote,
)
from motor.motor_asyncio import AsyncIOMotorDatabase

from questlog.achievements.evaluator import Evaluator
from questlog.achievements.service import AchievementService

DAY = timedelta(days=1)
RULES = book(
    {"id": "first_vote", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 1},
     "reward": {"description": "a badge"}},
    {"id": "well_read", "rule": {"kind": "distinct", "event": "BILL_VOTE", "field": "bill_id",
                                 "threshold": 3}},
    {"id": "regular", "rule": {"kind": "streak", "event": "BILL_VOTE", "days": 3}},
)
FIRST = [vote(user="p1", bill="a", at=T0), vote(user="p1", bill="b", at=T0 + DAY)]
LATER = [vote(user="p1", bill="c", at=T0 + 2 * DAY, received_at=T0 + 3 * DAY)]


async def evaluate(database: AsyncIOMotorDatabase, events: list[dict]) -> None:
    """`events` stored, then applied by a process started just after they arrived."""
    await database["events"].insert_many(events)
    now = max(e["received_at"] for e in events) + timedelta(seconds=1)
    await Evaluator(book=RULES, events=database["events"], progress=database["player_progress"],
                    clock=lambda: now).evaluate_pending()


def service(database: AsyncIOMotorDatabase) -> AchievementService:
    return AchievementService(book=RULES, progress=database["player_progress"],
                              clock=lambda: T0 + 2 * DAY)


async def test_the_entries_are_stored_as_one_packed_value() -> None:
    database = fresh_database()
    await evaluate(database, FIRST)

    doc = await database["player_progress"].find_one({"_id": "p1"})

    assert isinstance(doc["achievements"], bytes)
    assert await progress_of(database) == recomputed(RULES, FIRST)


async def test_progress_an_earlier_version_stored_reads_as_the_packed_progress() -> None:
    database = fresh_database()
    await evaluate(database, FIRST)
    packed = service(database)
    listed = await packed.listing(user_id="p1")
    progress = await packed.progress_of(user_id="p1", achievement_ids=["well_read", "regular"])

    await as_earlier_version(database)

    plain = service(database)
    assert await plain.listing(user_id="p1") == listed
    assert await plain.progress_of(user_id="p1",
                                   achievement_ids=["well_read", "regular"]) == progress
    assert progress[1].value == 2  # two days in a row
    redeemed = await plain.redeem(user_id="p1", achievement_id="first_vote")
    assert redeemed.count == 1


async def test_an_earlier_versions_progress_takes_new_events_and_is_then_packed() -> None:
    database = fresh_database()
    await evaluate(database, FIRST)
    await as_earlier_version(database)

    await evaluate(database, LATER)

    doc = await database["player_progress"].find_one({"_id": "p1"})
    assert isinstance(doc["achievements"], bytes)
    assert await progress_of(database) == recomputed(RULES, FIRST + LATER)
    assert doc["applied"] == [e["_id"] for e in FIRST + LATER]
