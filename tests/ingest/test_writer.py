"""insert_events: one unordered insert per batch, each event_id stored once, retries safe."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from mongomock_motor import AsyncMongoMockClient
from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo.errors import AutoReconnect, BulkWriteError

from questlog.ingest.writer import insert_events
from questlog.store.retry import StoreUnavailable

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def document(event_id: str, *, ingest_id: str = "request-1") -> dict[str, Any]:
    return {"_id": event_id, "type": "retry", "received_at": NOW, "ingest_id": ingest_id}


@pytest.fixture
def collection() -> AsyncIOMotorCollection:
    return AsyncMongoMockClient(tz_aware=True)["writer_test"]["events"]


class FlakyCollection:
    """Writes the first `written` documents of the first insert, then loses the connection."""

    def __init__(
        self, real: AsyncIOMotorCollection, *, written: int, failures: int = 1,
        error: Exception | None = None,
    ) -> None:
        self.real, self.written, self.failures = real, written, failures
        self.error = error or AutoReconnect("connection reset by peer")
        self.inserts = 0

    async def insert_many(self, documents: Sequence[dict[str, Any]], *, ordered: bool) -> Any:
        self.inserts += 1
        if self.inserts <= self.failures:
            if self.written:
                await self.real.insert_many(list(documents)[: self.written], ordered=ordered)
            raise self.error
        return await self.real.insert_many(documents, ordered=ordered)

    def find(self, *args: Any, **kwargs: Any) -> Any:
        return self.real.find(*args, **kwargs)


async def insert(collection: Any, documents: list[dict[str, Any]], retries: int = 3) -> Any:
    return await insert_events(collection, documents, retries=retries, backoff=0)


async def stored_ids(collection: AsyncIOMotorCollection) -> list[str]:
    return sorted([d["_id"] async for d in collection.find({}, {"_id": 1})])


async def test_new_events_are_all_stored(collection: AsyncIOMotorCollection) -> None:
    docs = [document("a"), document("b"), document("c")]

    outcome = await insert(collection, docs)

    assert [d["_id"] for d in outcome.stored] == ["a", "b", "c"]
    assert outcome.duplicates == []
    assert await stored_ids(collection) == ["a", "b", "c"]


async def test_event_stored_earlier_is_a_duplicate(collection: AsyncIOMotorCollection) -> None:
    await insert(collection, [document("a", ingest_id="earlier")])

    outcome = await insert(collection, [document("a"), document("b")])

    assert [d["_id"] for d in outcome.stored] == ["b"]
    assert [d["_id"] for d in outcome.duplicates] == ["a"]
    assert await stored_ids(collection) == ["a", "b"]
    assert (await collection.find_one({"_id": "a"}))["ingest_id"] == "earlier"


async def test_duplicate_within_one_batch_is_stored_once(
    collection: AsyncIOMotorCollection,
) -> None:
    outcome = await insert(collection, [document("a"), document("b"), document("a")])

    assert [d["_id"] for d in outcome.stored] == ["a", "b"]
    assert [d["_id"] for d in outcome.duplicates] == ["a"]
    assert await collection.count_documents({}) == 2


@pytest.mark.parametrize("written_before_failure", [0, 1, 3])
async def test_retry_after_a_network_error_stores_each_event_once(
    collection: AsyncIOMotorCollection, written_before_failure: int
) -> None:
    flaky = FlakyCollection(collection, written=written_before_failure)
    docs = [document("a"), document("b"), document("c")]

    outcome = await insert(flaky, docs)

    assert flaky.inserts == 2
    assert [d["_id"] for d in outcome.stored] == ["a", "b", "c"]
    assert outcome.duplicates == []
    assert await stored_ids(collection) == ["a", "b", "c"]


async def test_retry_tells_its_own_partial_write_from_real_duplicates(
    collection: AsyncIOMotorCollection,
) -> None:
    await insert(collection, [document("old", ingest_id="earlier")])
    flaky = FlakyCollection(collection, written=1)

    outcome = await insert(flaky, [document("a"), document("old"), document("b"), document("a")])

    assert [d["_id"] for d in outcome.stored] == ["a", "b"]
    assert [d["_id"] for d in outcome.duplicates] == ["old", "a"]
    assert await stored_ids(collection) == ["a", "b", "old"]


async def test_store_that_keeps_failing_raises_store_unavailable(
    collection: AsyncIOMotorCollection,
) -> None:
    flaky = FlakyCollection(collection, written=0, failures=99)

    with pytest.raises(StoreUnavailable):
        await insert(flaky, [document("a")], retries=2)

    assert flaky.inserts == 3


async def test_write_error_other_than_a_duplicate_is_not_counted_as_one(
    collection: AsyncIOMotorCollection,
) -> None:
    refused = BulkWriteError({"writeErrors": [
        {"index": 0, "code": 121, "errmsg": "Document failed validation"},
    ]})
    flaky = FlakyCollection(collection, written=0, failures=99, error=refused)

    with pytest.raises(StoreUnavailable, match="failed validation"):
        await insert(flaky, [document("a")])

    assert flaky.inserts == 1  # not transient: not retried
