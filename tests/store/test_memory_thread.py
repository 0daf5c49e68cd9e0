"""The embedded store works on a thread of its own: a long read leaves the event loop free."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import mongomock.collection
import pytest

from questlog.store.memory import memory_client

GUARD_SECONDS = 10  # only against a hang: the test never waits this long when it passes


@pytest.fixture
def scan_gate(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """(entered, release): the store's scan of documents stops at its first one until
    `release` is set, and says so by setting `entered`."""
    entered, release = threading.Event(), threading.Event()
    applies = mongomock.collection.filter_applies

    def gated(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert release.wait(GUARD_SECONDS), "the event loop never ran during the scan"
        return applies(*args, **kwargs)

    monkeypatch.setattr(mongomock.collection, "filter_applies", gated)
    return entered, release


async def test_the_loop_runs_while_a_find_and_an_aggregate_scan(
    scan_gate: tuple[threading.Event, threading.Event],
) -> None:
    entered, release = scan_gate
    events = memory_client()["scratch"]["events"]
    release.set()
    await events.insert_many([{"_id": i, "n": i} for i in range(5)])

    for read in (
        lambda: events.find({"n": {"$gte": 2}}).sort("n", -1).to_list(None),
        lambda: events.aggregate([{"$match": {"n": {"$gte": 2}}}, {"$sort": {"n": -1}}])
        .to_list(None),
    ):
        entered.clear()
        release.clear()
        reading = asyncio.ensure_future(read())
        assert await asyncio.to_thread(entered.wait, GUARD_SECONDS)  # the read is mid-scan
        served = await asyncio.wait_for(events.database.command("ping"), GUARD_SECONDS)
        release.set()
        assert served["ok"]
        assert [doc["n"] for doc in await reading] == [4, 3, 2]


async def test_operations_keep_the_order_they_were_asked_in() -> None:
    counters = memory_client()["scratch"]["counters"]
    await counters.insert_one({"_id": "c", "n": 0})

    results = await asyncio.gather(*(
        counters.find_one_and_update({"_id": "c"}, {"$inc": {"n": 1}}) for _ in range(20)
    ))

    assert [r["n"] for r in results] == list(range(20))
