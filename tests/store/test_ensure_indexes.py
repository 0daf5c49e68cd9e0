"""ensure_indexes: each declared index by its name, keys in their order, options compared."""

from __future__ import annotations

from typing import Any

import pytest
from mongomock_motor import AsyncMongoMockClient
from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo import IndexModel

from questlog.stats.documents import DailyStat
from questlog.store.indexes import declared_indexes, ensure_indexes, index_spec

AB = IndexModel([("a", 1), ("b", -1)], name="a_b")
BA = IndexModel([("b", -1), ("a", 1)], name="b_a")


@pytest.fixture
def collection() -> AsyncIOMotorCollection:
    return AsyncMongoMockClient(tz_aware=True)["indexes_test"]["things"]


async def held(collection: AsyncIOMotorCollection) -> dict[str, Any]:
    return {name: index_spec(info) for name, info in
            (await collection.index_information()).items() if name != "_id_"}


async def test_two_indexes_on_the_same_fields_in_another_order_are_both_created(
    collection: AsyncIOMotorCollection,
) -> None:
    await ensure_indexes(collection, [AB, BA])

    assert await held(collection) == {
        "a_b": ((("a", 1), ("b", -1)), {}), "b_a": ((("b", -1), ("a", 1)), {}),
    }


async def test_an_index_whose_options_changed_is_re_created(
    collection: AsyncIOMotorCollection,
) -> None:
    await ensure_indexes(collection, [AB])

    await ensure_indexes(collection, [IndexModel([("a", 1), ("b", -1)], name="a_b", unique=True)])

    assert await held(collection) == {"a_b": ((("a", 1), ("b", -1)), {"unique": True})}


async def test_an_unchanged_index_is_left_alone(
    collection: AsyncIOMotorCollection, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ensure_indexes(collection, [AB, BA])

    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an unchanged index was touched")

    monkeypatch.setattr(type(collection), "drop_index", refuse)
    monkeypatch.setattr(type(collection), "create_indexes", refuse)
    await ensure_indexes(collection, [AB, BA])


@pytest.mark.usefixtures("questlog")  # Beanie initialised
def test_the_buckets_declare_only_the_period_index() -> None:
    names = [index.document["name"] for index in declared_indexes(DailyStat)]

    assert names == ["period_scope"]  # an owner's documents are a range of _ids


async def test_an_index_an_earlier_version_created_and_nothing_reads_is_dropped() -> None:
    daily = AsyncMongoMockClient(tz_aware=True)["indexes_test"]["daily_stats"]
    await daily.create_index([("period_start", 1), ("type", 1)], name="period_type_owner")
    await daily.create_index([("type", 1), ("scope", 1)], name="owner_period")

    await ensure_indexes(daily, [AB])

    assert await held(daily) == {"a_b": ((("a", 1), ("b", -1)), {})}
