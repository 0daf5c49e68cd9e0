"""Crash exactness: the evaluator stopped dead between any two of its writes, then restarted,
leaves every player's progress equal to a recomputation from the events.

A crash is simulated at the store: the chosen write raises, either before reaching
MongoDB or after it (the process died before hearing the answer), and nothing after it
runs; the evaluator is then thrown away and a new one started on the same store, as a
restarted process would.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from achievement_factories import (
    T0,
    book,
    fresh_database,
    lobby,
    progress_of,
    recomputed,
    server_database,
    vote,
)
from pymongo import InsertOne

from questlog.achievements.documents import EVALUATION_INDEX, EVALUATION_ORDER, WATERMARKS
from questlog.achievements.evaluator import Evaluator
from questlog.settings import Settings

DAY = timedelta(days=1)
RULES = book(
    {"id": "first_vote", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 1}},
    {"id": "well_read", "rule": {"kind": "distinct", "event": "BILL_VOTE", "field": "bill_id",
                                 "threshold": 2}},
    {"id": "regular", "rule": {"kind": "streak", "event": "BILL_VOTE", "days": 2}},
    {"id": "patron", "rule": {"kind": "sum", "event": "LOBBY_ATTEMPT", "field": "spend",
                              "threshold": 15}, "repeatable": True},
    {"id": "statesman", "rule": {"kind": "all_of", "achievements": ["well_read", "patron"]}},
)
BATCH = 5

# Nine events of three players: two batches of five and four. Each batch writes one
# bulk of an update per player in it, then moves the watermark's head; the pass then
# moves `settled`.
EVENTS = [
    *(vote(user=u, bill=f"b{d}", at=T0 + d * DAY + timedelta(minutes=i))
      for d in range(2) for i, u in enumerate(("p1", "p2", "p3"))),
    lobby(user="p1", spend=10, at=T0 + 2 * DAY),
    lobby(user="p2", spend=20, at=T0 + 2 * DAY),
    lobby(user="p1", spend=10, at=T0 + 3 * DAY),
]
WRITES = [
    "bulk_write p1 p2 p3", "update_one events",  # batch 1: its players, then the head
    "bulk_write p3 p1 p2", "update_one events",  # batch 2
    "update_one events",  # settled: the pass is over
]


class Crash(BaseException):
    """The process died: unlike an Exception, nothing may catch it and carry on."""


class Store:
    """A collection that records its writes and can die at one of them."""

    def __init__(self, real: Any, log: list[str], crash_at: int | None, after: bool) -> None:
        self._real, self._log, self._crash_at, self._after = real, log, crash_at, after

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def update_one(self, query: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        return await self._write(f"update_one {query['_id']}", self._real.update_one,
                                 query, *args, **kwargs)

    async def update_many(self, *args: Any, **kwargs: Any) -> Any:
        return await self._write("update_many", self._real.update_many, *args, **kwargs)

    async def bulk_write(self, requests: list[Any], *args: Any, **kwargs: Any) -> Any:
        users = " ".join((r._doc if isinstance(r, InsertOne) else r._filter)["_id"]
                         for r in requests)
        return await self._write(f"bulk_write {users}", self._real.bulk_write, requests,
                                 *args, **kwargs)

    async def _write(self, name: str, write: Callable[..., Awaitable[Any]], *args: Any,
                     **kwargs: Any) -> Any:
        dies = len(self._log) == self._crash_at
        self._log.append(name)
        if dies and not self._after:
            raise Crash(name)
        result = await write(*args, **kwargs)
        if dies:
            raise Crash(name)
        return result


async def run_until_crash(database: Any, crash_at: int | None, after: bool) -> list[str]:
    log: list[str] = []
    doomed = Evaluator(
        book=RULES, batch_size=BATCH,
        events=Store(database["events"], log, crash_at, after),
        progress=Store(database["player_progress"], log, crash_at, after),
        watermarks=Store(database[WATERMARKS], log, crash_at, after),
    )
    with pytest.raises(Crash) if crash_at is not None else contextlib.nullcontext():
        await doomed.evaluate_pending()
    return log


async def test_the_scenario_writes_players_first_then_the_watermark() -> None:
    database = fresh_database()
    await database["events"].insert_many(EVENTS)

    assert await run_until_crash(database, None, after=False) == WRITES
    assert await progress_of(database) == recomputed(RULES, EVENTS)


@pytest.mark.parametrize("after", [False, True], ids=["before-the-write", "after-the-write"])
@pytest.mark.parametrize("crash_at", range(len(WRITES)), ids=WRITES)
async def test_a_restart_after_a_crash_at_any_write_leaves_progress_exact(
    crash_at: int, after: bool
) -> None:
    database = fresh_database()
    await database["events"].insert_many(EVENTS)

    log = await run_until_crash(database, crash_at, after)
    restarted = Evaluator(book=RULES, batch_size=BATCH, events=database["events"],
                          progress=database["player_progress"])
    await restarted.evaluate_pending()

    assert log[-1] == WRITES[crash_at]
    assert await progress_of(database) == recomputed(RULES, EVENTS)
    assert (await restarted.lag()).pending == 0
    async for doc in database["player_progress"].find({}):
        assert len(doc["applied"]) == len(set(doc["applied"]))


async def test_a_crash_in_every_pass_of_several_restarts_still_converges() -> None:
    database = fresh_database()
    await database["events"].insert_many(EVENTS)

    for crash_at in (0, 1, 0, 1):  # each new process dies after one of its first writes
        await run_until_crash(database, crash_at, after=True)
    await run_until_crash(database, None, after=False)

    assert await progress_of(database) == recomputed(RULES, EVENTS)


@pytest.mark.mongodb
async def test_on_a_real_mongodb_every_crash_point_still_converges(settings: Settings) -> None:
    """The update operators and the upserts as the server runs them, not mongomock."""
    async with server_database(settings, "crash") as database:
        for crash_at, after in itertools.product(range(len(WRITES)), (False, True)):
            await database.client.drop_database(database.name)
            await database["events"].insert_many(EVENTS)

            await run_until_crash(database, crash_at, after)
            await run_until_crash(database, None, after=False)

            assert await progress_of(database) == recomputed(RULES, EVENTS), (crash_at, after)


@pytest.mark.mongodb
async def test_on_a_real_mongodb_the_read_from_the_watermark_uses_the_evaluation_index(
    settings: Settings,
) -> None:
    async with server_database(settings, "queue") as database:
        events = database["events"]
        await events.insert_many(EVENTS)
        await events.create_indexes([EVALUATION_INDEX])

        plan = await events.find({"type": {"$in": ["BILL_VOTE"]}, "received_at": {"$gte": T0}}
                                 ).sort(EVALUATION_ORDER).hint("evaluation_order").explain()

        assert "evaluation_order" in str(plan["queryPlanner"]["winningPlan"])
