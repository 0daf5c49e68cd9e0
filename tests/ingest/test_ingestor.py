"""The ingestion service: store what is valid, quarantine the rest, publish only what is durable."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import bill_vote, iso
from mongomock_motor import AsyncMongoMockClient
from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo.errors import AutoReconnect

from questlog import log_event, log_event_nowait
from questlog.bootstrap import Questlog
from questlog.bus import Bus
from questlog.events.politics import BillVoted
from questlog.ingest.codes import Code
from questlog.ingest.service import EventRejected, EventsStored, Ingestor
from questlog.settings import Settings
from questlog.store.retry import StoreUnavailable

NOW = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def database() -> AsyncIOMotorDatabase:
    return AsyncMongoMockClient(tz_aware=True)["ingestor_test"]


@pytest.fixture
def fast_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"write_backoff_seconds": 0, "write_retries": 2})


class Recorder:
    """A started bus and what its EventsStored subscriber received."""

    def __init__(self) -> None:
        self.bus = Bus(max_queue=100)
        self.bus.subscribe(EventsStored, self.on_events_stored)
        self.messages: list[EventsStored] = []

    async def on_events_stored(self, message: EventsStored) -> None:
        self.messages.append(message)

    async def received(self) -> list[EventsStored]:
        await self.bus.drain()
        return self.messages


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    recorder = Recorder()
    recorder.bus.start()
    yield recorder
    await recorder.bus.stop()


class DownCollection:
    """A collection whose inserts fail like an unreachable server, noting what was published."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.published_at_insert: list[int] = []

    async def insert_many(self, documents: Sequence[dict[str, Any]], *, ordered: bool) -> None:
        self.published_at_insert.append(self.bus.stats.published)
        raise AutoReconnect("no primary")


def ingestor_for(
    settings: Settings, database: AsyncIOMotorDatabase, bus: Bus, events: Any = None
) -> Ingestor:
    return Ingestor(
        settings=settings, events=events if events is not None else database["events"],
        rejected=database["rejected_events"], bus=bus, clock=lambda: NOW,
    )


async def test_valid_events_are_stored_and_published_once_durable(
    fast_settings: Settings, database: AsyncIOMotorDatabase, recorder: Recorder
) -> None:
    ingestor = ingestor_for(fast_settings, database, recorder.bus)

    result = await ingestor.ingest([bill_vote(event_id="a"), bill_vote(event_id="b")])

    assert (result.accepted, result.duplicates, result.rejected) == (2, 0, 0)
    assert result.event_ids == ["a", "b"]
    [message] = await recorder.received()
    assert [d["_id"] for d in message.documents] == ["a", "b"]
    stored = await database["events"].find_one({"_id": "a"})
    assert message.documents[0] == stored  # what handlers see is what was stored


async def test_published_documents_equal_the_stored_ones_to_the_millisecond(
    fast_settings: Settings, database: AsyncIOMotorDatabase, recorder: Recorder
) -> None:
    ingestor = ingestor_for(fast_settings, database, recorder.bus)
    client_time = NOW + timedelta(hours=1)  # microseconds too: MongoDB keeps milliseconds

    await ingestor.ingest(
        [bill_vote(event_id="a", occurred_at=iso(client_time - timedelta(microseconds=1500)))],
        sent_at=client_time,
    )

    [message] = await recorder.received()
    assert list(message.documents) == await database["events"].find({}).to_list(None)


async def test_received_at_is_kept_to_the_millisecond_mongodb_stores(
    fast_settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    ingestor = ingestor_for(fast_settings, database, Bus(max_queue=1))

    await ingestor.ingest([bill_vote(event_id="a")])

    stored = await database["events"].find_one({"_id": "a"})
    assert stored["received_at"] == NOW.replace(microsecond=123000)


async def test_duplicates_are_counted_and_not_published_again(
    fast_settings: Settings, database: AsyncIOMotorDatabase, recorder: Recorder
) -> None:
    ingestor = ingestor_for(fast_settings, database, recorder.bus)
    await ingestor.ingest([bill_vote(event_id="a")])

    again = await ingestor.ingest([bill_vote(event_id="a"), bill_vote(event_id="a")])

    assert (again.accepted, again.duplicates, again.event_ids) == (0, 2, [])
    assert len(await recorder.received()) == 1
    assert await database["events"].count_documents({}) == 1


async def test_nothing_is_published_when_the_write_fails(
    fast_settings: Settings, database: AsyncIOMotorDatabase, recorder: Recorder
) -> None:
    down = DownCollection(recorder.bus)
    ingestor = ingestor_for(fast_settings, database, recorder.bus, events=down)

    with pytest.raises(StoreUnavailable):
        await ingestor.ingest([bill_vote()])

    assert down.published_at_insert == [0, 0, 0]  # retried, and nothing published before
    assert await recorder.received() == []


async def test_full_bus_does_not_fail_the_write(
    fast_settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    bus = Bus(max_queue=1)  # not started: the second message does not fit

    async def on_events_stored(message: EventsStored) -> None:
        return None

    bus.subscribe(EventsStored, on_events_stored)
    ingestor = ingestor_for(fast_settings, database, bus)

    await ingestor.ingest([bill_vote()])
    second = await ingestor.ingest([bill_vote()])

    assert second.accepted == 1
    assert bus.stats.dropped == 1
    assert await database["events"].count_documents({}) == 2


async def test_valid_events_of_a_partly_bad_batch_are_stored(
    fast_settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    ingestor = ingestor_for(fast_settings, database, Bus(max_queue=1))
    batch = [bill_vote(event_id="a"), {"type": "NOPE"}, bill_vote(event_id="b", stance="?"),
             bill_vote(event_id="c")]

    result = await ingestor.ingest(batch)

    assert (result.accepted, result.rejected, result.event_ids) == (2, 2, ["a", "c"])
    assert [(r.index, r.code, r.event_id) for r in result.rejections] == [
        (1, Code.UNKNOWN_EVENT_TYPE, None), (2, Code.INVALID_EVENT, "b"),
    ]


async def test_rejected_events_are_quarantined_with_code_and_raw_body(
    fast_settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    ingestor = ingestor_for(fast_settings, database, Bus(max_queue=1))
    bad = bill_vote(event_id="b", stance="?")

    await ingestor.ingest([bill_vote(), bad], api_key="key:abc")

    [kept] = await database["rejected_events"].find({}).to_list(None)
    assert {k: kept[k] for k in ("code", "index", "event_id", "event_type", "api_key")} == {
        "code": "invalid_event", "index": 1, "event_id": "b", "event_type": "BILL_VOTE",
        "api_key": "key:abc",
    }
    assert json.loads(kept["raw"]) == bad
    assert kept["raw_truncated"] is False
    assert kept["received_at"] == NOW.replace(microsecond=123000)


async def test_quarantined_raw_body_is_capped(
    fast_settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    capped = fast_settings.model_copy(update={"rejected_raw_cap_bytes": 256})
    ingestor = ingestor_for(capped, database, Bus(max_queue=1))

    await ingestor.ingest([{"type": "retry", "data": {"blob": "é" * 3000}}])

    [kept] = await database["rejected_events"].find({}).to_list(None)
    assert kept["code"] == "event_too_large"
    assert len(kept["raw"].encode()) <= 256
    assert kept["raw_truncated"] is True


async def test_clock_skew_is_corrected_with_the_batch_sent_at(
    fast_settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    ingestor = ingestor_for(fast_settings, database, Bus(max_queue=1))
    sent_at = datetime(2024, 5, 1, 13, 0, tzinfo=UTC)

    await ingestor.ingest(
        [bill_vote(event_id="a", occurred_at=iso(sent_at - timedelta(seconds=5)))], sent_at=sent_at
    )

    stored = await database["events"].find_one({"_id": "a"})
    received = NOW.replace(microsecond=123000)
    assert stored["occurred_at"] == received - timedelta(seconds=5)
    assert stored["client_occurred_at"] == sent_at - timedelta(seconds=5)
    assert stored["sent_at"] == sent_at


async def test_log_event_returns_the_event_id_also_for_a_duplicate(
    fast_settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    ingestor = ingestor_for(fast_settings, database, Bus(max_queue=1))

    first = await ingestor.log_event(bill_vote(event_id="e-1"))
    second = await ingestor.log_event(bill_vote(event_id="e-1"))
    generated = await ingestor.log_event(bill_vote())

    assert first == second == "e-1"
    assert await database["events"].count_documents({"_id": generated}) == 1
    assert await database["events"].count_documents({}) == 2


async def test_log_event_returns_the_id_of_a_camel_case_duplicate(
    fast_settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    ingestor = ingestor_for(fast_settings, database, Bus(max_queue=1))
    event = {"type": "MOMENTUM_SHIFT", "eventId": "e-9", "momentumFrom": 0.2, "momentumTo": 0.5}

    assert await ingestor.log_event(event) == "e-9"
    assert await ingestor.log_event(event) == "e-9"


async def test_log_event_takes_a_typed_event(
    fast_settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    ingestor = ingestor_for(fast_settings, database, Bus(max_queue=1))
    event = BillVoted(event_id="e-2", bill_id="b", stance="nay", seat_weight=1.0,
                      lobby_payments_count=0, occurred_at=datetime(2024, 5, 1, 11, 59, tzinfo=UTC))

    assert await ingestor.log_event(event) == "e-2"

    stored = await database["events"].find_one({"_id": "e-2"})
    assert (stored["stance"], stored["occurred_at"]) == ("nay", event.occurred_at)


async def test_log_event_raises_with_the_rejection_and_quarantines_it(
    fast_settings: Settings, database: AsyncIOMotorDatabase
) -> None:
    ingestor = ingestor_for(fast_settings, database, Bus(max_queue=1))

    with pytest.raises(EventRejected) as caught:
        await ingestor.log_event({"type": "BILL_VOTE", "schema_version": 5})

    assert caught.value.rejection.code == Code.UNSUPPORTED_VERSION
    assert await database["rejected_events"].count_documents({}) == 1


async def test_module_log_event_uses_the_running_questlog(questlog: Questlog) -> None:
    received: list[EventsStored] = []

    async def on_events_stored(message: EventsStored) -> None:
        received.append(message)

    questlog.bus.subscribe(EventsStored, on_events_stored)

    event_id = await log_event(bill_vote(event_id="e-3"))
    await questlog.bus.drain()

    assert event_id == "e-3"
    assert [d["_id"] for m in received for d in m.documents] == ["e-3"]


async def test_failing_subscriber_does_not_fail_log_event(questlog: Questlog) -> None:
    async def on_events_stored_badly(message: EventsStored) -> None:
        raise RuntimeError("achievement bug")

    questlog.bus.subscribe(EventsStored, on_events_stored_badly)

    assert await log_event(bill_vote(event_id="e-4")) == "e-4"
    await questlog.bus.drain()

    assert questlog.bus.stats.failed == 1


async def test_module_log_event_without_a_running_questlog_says_so(settings: Settings) -> None:
    from questlog import bootstrap

    started = await bootstrap.start(settings)
    await started.close()

    with pytest.raises(RuntimeError, match="not started"):
        await log_event(bill_vote())
    assert log_event_nowait(bill_vote()) is False

