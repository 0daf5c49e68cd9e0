"""The rollup's helper process (stats/helper.py): a dense day shared with it, or with a
helper whose process died, is stored as the same documents as the day rolled up alone,
and a rerun still deletes exactly the documents no event backs any longer."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import pytest
from stats_scenarios import Clock, ingest, rollup, services

from questlog.bootstrap import Questlog
from questlog.stats import rollup as rollup_module
from questlog.stats.documents import DailyStat
from questlog.stats.helper import Helper
from questlog.stats.writer import Tally
from questlog.store.documents import StoredEvent

T = TypeVar("T")
NOW = datetime.now(UTC).replace(microsecond=0)
DAYS = [NOW.date() - timedelta(days=d) for d in (1, 2)]


def lobby(i: int) -> dict[str, Any]:
    return {"type": "LOBBY_ATTEMPT", "user_id": None if i % 7 == 0 else f"p{i % 9}",
            "company_id": None if i % 5 == 0 else f"c{i % 3}",
            "difficulty_tier": 1 + i % 4, "success": i % 3 == 0, "spend": 0.1 * i,
            "breakdown": {}, "occurred_at": (NOW - timedelta(hours=1 + i % 40)).isoformat()}


def vote(i: int) -> dict[str, Any]:
    return {"type": "BILL_VOTE", "user_id": f"p{i % 4}", "company_id": f"c{i % 2}",
            "bill_id": "b", "stance": "yea", "seat_weight": 1.5 * (i + 1),
            "lobby_payments_count": i,
            "occurred_at": (NOW - timedelta(hours=2 + i % 30)).isoformat()}


def early(i: int) -> dict[str, Any]:
    """An event in the first minutes of one of DAYS: what tells a day is dense."""
    midnight = datetime.combine(DAYS[i % 2], datetime.min.time(), UTC)
    return {**lobby(i), "occurred_at": (midnight + timedelta(minutes=i)).isoformat()}


class DiedHelper(Helper):
    """A helper whose process is gone: every call to it breaks."""

    async def _run(self, work: partial[T]) -> T:
        raise BrokenProcessPool("the helper process died")


async def rolled_up(helper: Helper | None) -> tuple[list[Tally], dict[str, dict[str, Any]]]:
    """The tallies of DAYS rolled up (by a new Rollup), then every daily document."""
    tallies = [await rollup(helper).day(day) for day in DAYS]
    documents = await DailyStat.get_motor_collection().find({}).to_list(None)
    return tallies, {d["_id"]: d for d in documents}


async def same_as_alone(questlog: Questlog, helper: Helper,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Roll DAYS up with `helper`, every day dense, then alone: the same documents; then
    again once a player's events are gone: the rollup with the helper deletes that
    player's documents (and any other no event backs any longer), and keeps all the
    others (those the helper wrote among them)."""
    ingestor, _ = services(questlog, Clock(NOW))
    await ingest(ingestor, [lobby(i) for i in range(60)] + [vote(i) for i in range(30)]
                 + [early(i) for i in range(6)])
    monkeypatch.setattr(rollup_module, "DENSE_DAY", 1)

    tallies, shared = await rolled_up(helper)
    _, alone = await rolled_up(None)
    assert shared == alone
    assert sum(t.written for t in tallies) == len(shared) > 0
    before = shared
    await StoredEvent.get_motor_collection().delete_many({"user_id": "p1"})

    tallies, shared = await rolled_up(helper)
    _, alone = await rolled_up(None)
    assert shared == alone
    # The player's documents, and a company's whose only player of the day p1 was (the
    # events lie 1 to 40 hours back: which ones fall on DAYS depends on the hour).
    gone = before.keys() - shared.keys()
    players = {i for i in before if i.startswith("user/p1/")}
    assert players
    assert players <= gone
    assert sum(t.deleted for t in tallies) == len(gone)


@pytest.mark.mongodb
async def test_a_dense_day_shared_with_the_helper_is_the_day_rolled_up_alone(
    questlog: Questlog, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    helper = Helper(questlog.store.connection.url)
    try:
        with caplog.at_level(logging.WARNING, "questlog.stats.helper"):
            await same_as_alone(questlog, helper, monkeypatch)
    finally:
        helper.close()
    assert not caplog.records  # the helper did its part, none of it was done here


async def test_a_dense_day_is_rolled_up_whole_when_the_helper_died(
    questlog: Questlog, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, "questlog.stats.helper"):
        await same_as_alone(questlog, DiedHelper("unused"), monkeypatch)
    assert {r.getMessage() for r in caplog.records} == {
        "the rollup's helper process stopped: its part of the day is read here",
        "the rollup's helper process stopped: its players are written here"}


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):  # gone, or reaped while being read
        return False


async def test_a_stopped_rollup_stops_what_its_helper_was_doing() -> None:
    """A process's work cannot be cancelled: the helper process is killed instead, so a
    cancelled rollup writes nothing afterwards; the next call starts a new one."""
    helper = Helper("unused")
    pid = await helper._run(partial(os.getpid))
    sleeping = asyncio.ensure_future(helper._run(partial(time.sleep, 60)))
    await asyncio.sleep(0.2)

    sleeping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sleeping

    for _ in range(100):
        if not running(pid):
            break
        await asyncio.sleep(0.05)
    assert not running(pid)
    try:
        assert await helper._run(partial(os.getpid)) not in (pid, os.getpid())
    finally:
        helper.close()
