"""The best-effort logger: never raises, never waits, counts what it could not write."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from conftest import bill_vote
from mongomock_motor import AsyncMongoMockClient
from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo.errors import AutoReconnect

from questlog.bootstrap import Questlog
from questlog.bus import Bus
from questlog.ingest.best_effort import BestEffortLogger
from questlog.ingest.service import Ingestor
from questlog.settings import Settings


@pytest.fixture
def database() -> AsyncIOMotorDatabase:
    return AsyncMongoMockClient(tz_aware=True)["best_effort_test"]


class GatedCollection:
    """Inserts wait until the test opens the gate: a slow or stuck MongoDB."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()

    async def insert_many(self, documents: Sequence[dict[str, Any]], *, ordered: bool) -> Any:
        self.waiting.set()
        await self.gate.wait()
        return await self.real.insert_many(documents, ordered=ordered)

    def find(self, *args: Any, **kwargs: Any) -> Any:
        return self.real.find(*args, **kwargs)


class DownCollection:
    async def insert_many(self, documents: Sequence[dict[str, Any]], *, ordered: bool) -> None:
        raise AutoReconnect("no primary")


def logger_for(
    settings: Settings, database: AsyncIOMotorDatabase, *, events: Any = None, **options: Any
) -> BestEffortLogger:
    ingestor = Ingestor(
        settings=settings.model_copy(update={"write_backoff_seconds": 0, "write_retries": 1}),
        events=database["events"] if events is None else events,
        rejected=database["rejected_events"], bus=Bus(max_queue=10),
    )
    return BestEffortLogger(ingestor, **options)


async def test_logged_events_are_written_in_batches(
    settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    logger = logger_for(settings, database, batch_size=2, interval=60)
    logger.start()

    assert all(logger.log_nowait(bill_vote(event_id=f"e-{n}")) for n in range(5))
    await logger.stop()

    assert await database["events"].count_documents({}) == 5
    assert (logger.stats.accepted, logger.stats.dropped, logger.stats.failed) == (5, 0, 0)


async def test_batch_is_flushed_by_the_timer(
    settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    logger = logger_for(settings, database, batch_size=100, interval=0.01)
    logger.start()
    logger.log_nowait(bill_vote(event_id="e-1"))

    for _ in range(200):
        if await database["events"].count_documents({}):
            break
        await asyncio.sleep(0.01)
    await logger.stop()

    assert await database["events"].count_documents({"_id": "e-1"}) == 1


async def test_overflow_is_dropped_and_counted_without_waiting(
    settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    stuck = GatedCollection(database["events"])
    logger = logger_for(settings, database, events=stuck, capacity=3, batch_size=2, interval=60)
    logger.start()
    logger.log_nowait(bill_vote())
    logger.log_nowait(bill_vote())  # a full batch: the writer takes it and gets stuck
    await stuck.waiting.wait()

    results = [logger.log_nowait(bill_vote()) for _ in range(5)]

    assert results == [True, True, True, False, False]
    assert logger.stats.dropped == 2
    stuck.gate.set()
    await logger.stop()
    assert await database["events"].count_documents({}) == 5


async def test_stop_finishes_the_batch_being_written(
    settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    slow = GatedCollection(database["events"])
    logger = logger_for(settings, database, events=slow, batch_size=3, interval=60)
    logger.start()
    for n in range(4):
        logger.log_nowait(bill_vote(event_id=f"e-{n}"))
    await slow.waiting.wait()

    stopping = asyncio.create_task(logger.stop())
    await asyncio.sleep(0)
    slow.gate.set()
    await stopping

    assert await database["events"].count_documents({}) == 4
    assert logger.stats.accepted == 4


async def test_store_failure_is_counted_not_raised(
    settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    logger = logger_for(settings, database, events=DownCollection(), batch_size=10, interval=60)
    logger.start()

    assert logger.log_nowait(bill_vote()) is True
    assert logger.log_nowait(bill_vote()) is True
    await logger.stop()

    assert logger.stats.failed == 2


async def test_invalid_events_are_quarantined_and_counted(
    settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    logger = logger_for(settings, database, interval=60)
    logger.start()

    logger.log_nowait({"type": "NOPE"})
    logger.log_nowait(bill_vote(event_id="e-1"))
    logger.log_nowait(bill_vote(event_id="e-1"))
    await logger.stop()

    assert (logger.stats.accepted, logger.stats.duplicates, logger.stats.rejected) == (1, 1, 1)
    assert await database["rejected_events"].count_documents({"code": "unknown_event_type"}) == 1


@pytest.mark.parametrize("garbage", [42, None, ["not", "an", "event"], object()])
async def test_something_that_is_no_event_never_raises_nor_stops_the_writer(
    settings: Settings, database: AsyncIOMotorDatabase, garbage: Any
) -> None:
    logger = logger_for(settings, database, interval=60)
    logger.start()

    logger.log_nowait(garbage)
    logger.log_nowait(bill_vote(event_id="after"))
    await logger.stop()

    assert await database["events"].count_documents({"_id": "after"}) == 1
    assert logger.stats.rejected == 1


async def test_event_is_taken_as_it_was_when_logged(
    settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    logger = logger_for(settings, database, interval=60)
    logger.start()
    event = bill_vote(event_id="e-1", stance="yea")

    logger.log_nowait(event)
    event["stance"] = "nay"  # the caller reuses its dict
    event["event_id"] = "e-2"
    await logger.stop()

    stored = await database["events"].find_one({"_id": "e-1"})
    assert stored is not None
    assert stored["stance"] == "yea"


async def test_stats_show_what_waits_in_the_buffer(
    settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    logger = logger_for(settings, database, interval=60)  # not started: nothing is written

    logger.log_nowait(bill_vote())
    logger.log_nowait(bill_vote())

    assert logger.stats.buffered == 2
    await logger.flush()
    assert logger.stats.buffered == 0


async def test_running_questlog_flushes_best_effort_events_at_close(settings: Settings) -> None:
    from questlog import bootstrap, log_event_nowait

    # The in-memory store: it can still be read once the Questlog has closed its client.
    started: Questlog = await bootstrap.start(settings.model_copy(update={"mongodb_url": "memory"}))
    events = started.store.database["events"]

    assert log_event_nowait(bill_vote(event_id="nowait-1")) is True
    await started.close()

    assert await events.count_documents({"_id": "nowait-1"}) == 1


async def test_an_event_is_copied_at_every_depth_when_logged(
    settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    logger = logger_for(settings, database, interval=60)
    logger.start()
    breakdown = {"gifts": 20.5, "media": 1.0}
    event = {"type": "LOBBY_ATTEMPT", "event_id": "e-1", "user_id": "p-1", "difficulty_tier": 2,
             "success": True, "spend": 21.5, "breakdown": breakdown}

    assert logger.log_nowait(event) is True
    breakdown["gifts"] = 999.0  # the caller reuses its objects at once
    event["user_id"] = "mallory"
    await logger.stop()

    stored = await database["events"].find_one({"_id": "e-1"})
    assert stored is not None
    assert (stored["user_id"], stored["breakdown"]) == ("p-1", {"gifts": 20.5, "media": 1.0})


async def test_a_part_that_never_stops_does_not_hold_the_shutdown(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from questlog import bootstrap

    started: Questlog = await bootstrap.start(settings.model_copy(update={"mongodb_url": "memory"}))
    never = asyncio.Event()

    async def stuck() -> None:
        await never.wait()

    monkeypatch.setattr(bootstrap, "STOP_STEP_SECONDS", 0.05)
    monkeypatch.setattr(started.bus, "stop", stuck)

    await started.close()

    assert "the bus did not stop within" in caplog.text
    assert bootstrap._running is None
