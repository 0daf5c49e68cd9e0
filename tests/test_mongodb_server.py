"""What only a real MongoDB shows: TTL expiry, duplicate-key errors, index options, collMod.

The real-server tier: on the test session's own secantusd-rs, or on the MongoDB that
QUESTLOG_TEST_MONGODB_URL names (docker compose run --rm tests). The TTL tests poll until
the server's TTL monitor removed what expired: secantusd-rs with `[storage]
ttl_sweep_seconds = 1` sweeps every second, so they take a few seconds; mongod's monitor
runs every 60 s (ttlMonitorSleepSecs), hence the deadline.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import READ_INDEX_KEYS, bill_vote
from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo.errors import BulkWriteError

from questlog import bootstrap
from questlog.bootstrap import Questlog
from questlog.bus import Bus
from questlog.ingest.service import Ingestor
from questlog.ingest.writer import insert_events
from questlog.settings import Settings
from questlog.store.errors import DUPLICATE_KEY
from questlog.store.indexes import ensure_ttl_index

pytestmark = pytest.mark.mongodb

DAY = 86_400
TTL_MONITOR_WAIT = timedelta(seconds=90)  # a bound, not the expected wait: see above


async def wait_until_gone(collection: AsyncIOMotorCollection, query: dict[str, Any]) -> None:
    deadline = datetime.now(UTC) + TTL_MONITOR_WAIT
    while await collection.count_documents(query):
        assert datetime.now(UTC) < deadline, f"the TTL monitor did not remove {query}"
        await asyncio.sleep(0.5)


def events_of(questlog: Questlog) -> AsyncIOMotorCollection:
    return questlog.store.database["events"]


async def test_server_expires_events_received_longer_ago_than_the_ttl(
    questlog: Questlog, settings: Settings
) -> None:
    long_ago = datetime.now(UTC) - settings.raw_ttl - timedelta(days=1)
    late_ingestor = Ingestor(  # an ingestor whose clock says the events came in long ago
        settings=settings, events=events_of(questlog),
        rejected=questlog.store.database["rejected_events"], bus=Bus(max_queue=1),
        clock=lambda: long_ago,
    )
    await late_ingestor.ingest([bill_vote(event_id="expired")])
    await questlog.log_event(bill_vote(event_id="fresh"))

    await wait_until_gone(events_of(questlog), {"_id": "expired"})

    assert await events_of(questlog).count_documents({"_id": "fresh"}) == 1


async def test_raw_events_disappear_once_older_than_a_ttl_of_seconds(
    questlog: Questlog, ingest_client: httpx.AsyncClient
) -> None:
    await ensure_ttl_index(events_of(questlog), "received_at", timedelta(seconds=2))
    response = await ingest_client.post(
        "/api/v1/events/batch", json={"events": [bill_vote(user_id=f"p{n}") for n in range(5)]}
    )
    ids = response.json()["data"]["event_ids"]
    assert await events_of(questlog).count_documents({"_id": {"$in": ids}}) == 5

    await wait_until_gone(events_of(questlog), {"_id": {"$in": ids}})

    indexes = await events_of(questlog).index_information()
    assert indexes["received_at_ttl"]["expireAfterSeconds"] == 2


async def test_server_refuses_a_second_copy_with_a_duplicate_key_error(
    questlog: Questlog,
) -> None:
    await events_of(questlog).insert_one({"_id": "e-1", "ingest_id": "earlier"})

    with pytest.raises(BulkWriteError) as caught:
        await events_of(questlog).insert_many(
            [{"_id": "e-1"}, {"_id": "e-2"}], ordered=False
        )

    errors = caught.value.details["writeErrors"]
    assert [(e["index"], e["code"]) for e in errors] == [(0, DUPLICATE_KEY)]
    assert caught.value.details["nInserted"] == 1


async def test_duplicates_are_stored_once_on_the_server(
    questlog: Questlog, ingest_client: httpx.AsyncClient
) -> None:
    await questlog.log_event(bill_vote(event_id="a"))

    response = await ingest_client.post(
        "/api/v1/events/batch",
        json={"events": [bill_vote(event_id="a"), bill_vote(event_id="b"),
                         bill_vote(event_id="b")]},
    )

    data = response.json()["data"]
    assert (data["accepted"], data["duplicates"], data["event_ids"]) == (1, 2, ["b"])
    assert await events_of(questlog).count_documents({}) == 2


async def test_writer_counts_server_duplicates_of_other_requests(questlog: Questlog) -> None:
    earlier = {"_id": "old", "ingest_id": "earlier", "received_at": datetime.now(UTC)}
    await events_of(questlog).insert_one(earlier)
    mine = [{"_id": i, "ingest_id": "mine", "received_at": datetime.now(UTC)}
            for i in ("old", "new")]

    outcome = await insert_events(events_of(questlog), mine, retries=0, backoff=0)

    assert ([d["_id"] for d in outcome.stored], [d["_id"] for d in outcome.duplicates]) == (
        ["new"], ["old"],
    )


async def test_server_reports_the_ttl_and_read_indexes(questlog: Questlog) -> None:
    events = await events_of(questlog).index_information()
    rejected = await questlog.store.database["rejected_events"].index_information()

    assert events["received_at_ttl"]["key"] == [("received_at", 1)]
    assert events["received_at_ttl"]["expireAfterSeconds"] == 14 * DAY
    assert rejected["received_at_ttl"]["expireAfterSeconds"] == 7 * DAY
    keys = {tuple(index["key"]) for index in events.values()}
    assert keys >= READ_INDEX_KEYS


async def test_coll_mod_changes_the_ttl_in_place(
    questlog: Questlog, monkeypatch: pytest.MonkeyPatch
) -> None:
    await questlog.log_event(bill_vote(event_id="kept"))

    async def no_drop(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a real server changes the TTL with collMod, not drop and create")

    monkeypatch.setattr(AsyncIOMotorCollection, "drop_index", no_drop)
    await ensure_ttl_index(events_of(questlog), "received_at", timedelta(days=3))

    indexes = await events_of(questlog).index_information()
    assert indexes["received_at_ttl"]["expireAfterSeconds"] == 3 * DAY
    assert await events_of(questlog).count_documents({"_id": "kept"}) == 1


async def test_restart_with_a_new_retention_keeps_the_events(settings: Settings) -> None:
    first = await bootstrap.start(settings)
    try:
        await events_of(first).delete_many({})
        await first.log_event(bill_vote(event_id="kept"))
    finally:
        await first.close()

    second = await bootstrap.start(settings.model_copy(update={"raw_ttl_days": 30}))
    try:
        indexes = await events_of(second).index_information()
        assert indexes["received_at_ttl"]["expireAfterSeconds"] == 30 * DAY
        assert await events_of(second).count_documents({"_id": "kept"}) == 1
    finally:
        await events_of(second).delete_many({})
        await second.close()
