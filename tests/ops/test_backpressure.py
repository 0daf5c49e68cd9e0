"""A slow store: ingestion answers 503 overloaded with Retry-After past its in-flight
limit, holds no more than the limit, and loses nothing once clients send again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from conftest import INGEST_KEY, bill_vote

from questlog.api.app import create_app
from questlog.bootstrap import Questlog
from questlog.ingest import service
from questlog.ingest.writer import WriteOutcome, insert_events
from questlog.ops.backpressure import Overloaded, WriteGate
from questlog.settings import Settings
from questlog.store.retry import StoreUnavailable
from questlog.store.types import MotorCollection

LIMIT, BATCH, BATCHES = 10, 5, 8


class SlowStore:
    """insert_events that waits until released: the store has fallen behind."""

    def __init__(self) -> None:
        self.released = asyncio.Event()
        self.waiting = 0

    async def insert(
        self, collection: MotorCollection, documents: Sequence[dict[str, Any]], **kw: Any
    ) -> WriteOutcome:
        self.waiting += 1
        await self.released.wait()
        return await insert_events(collection, documents, **kw)


@pytest.fixture
async def slow(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, Questlog, SlowStore]]:
    store = SlowStore()
    monkeypatch.setattr(service, "insert_events", store.insert)
    app = create_app(settings.model_copy(update={"max_in_flight_events": LIMIT}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {INGEST_KEY}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://q", headers=headers
        ) as client:
            yield client, app.state.questlog, store


def batch(number: int) -> dict[str, Any]:
    return {"events": [bill_vote(event_id=f"b{number}-e{i}") for i in range(BATCH)]}


async def test_slow_store_gets_503_with_retry_after_and_loses_nothing(
    slow: tuple[httpx.AsyncClient, Questlog, SlowStore],
) -> None:
    client, questlog, store = slow
    posts = [asyncio.create_task(client.post("/api/v1/events/batch", json=batch(n)))
             for n in range(BATCHES)]
    while store.waiting < LIMIT // BATCH:  # the admitted batches reached the slow store
        await asyncio.sleep(0.01)
    refused = [n for n, p in enumerate(posts) if p.done()]
    assert len(refused) == BATCHES - LIMIT // BATCH
    for n in refused:
        response = posts[n].result()
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "overloaded"
        assert int(response.headers["Retry-After"]) >= 1

    store.released.set()
    answered = await asyncio.gather(*posts)
    assert sorted(n for n, r in enumerate(answered) if r.status_code == 200) == [
        n for n in range(BATCHES) if n not in refused
    ]
    for n in refused:  # the client sends them again, as told
        again = await client.post("/api/v1/events/batch", json=batch(n))
        assert again.json()["data"]["accepted"] == BATCH

    stored = questlog.store.database["events"]
    assert await stored.count_documents({}) == BATCH * BATCHES
    assert await questlog.store.database["rejected_events"].count_documents({}) == 0
    assert questlog.ops.gate.stats.peak_in_flight <= LIMIT
    assert questlog.ops.gate.stats.in_flight == 0
    text = (await client.get("/metrics")).text
    assert f"questlog_overloaded_total {float(len(refused))}" in text


def test_gate_admits_an_oversized_batch_alone_and_refuses_past_the_limit() -> None:
    gate = WriteGate(max_in_flight=10, retry_after=2)
    gate.take(25)  # larger than the limit, but alone: admitted, or it could never pass
    with pytest.raises(Overloaded) as refused:
        gate.take(1)
    assert refused.value.retry_after == 2
    gate.give_back(25)
    gate.take(10)
    assert gate.stats.peak_in_flight == 25
    assert gate.stats.refused == 1


def test_gate_refuses_while_the_bus_is_above_its_high_water_mark() -> None:
    depth = [0.0]
    gate = WriteGate(max_in_flight=10, retry_after=1, bus_depth=lambda: depth[0],
                     bus_high_water=8)
    assert gate.refusal(1) is None
    depth[0] = 8
    assert gate.refusal(1) == "the bus to the evaluator is above its high-water mark"


async def test_a_failed_insert_is_counted_for_the_failure_rate_alert(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(*args: Any, **kwargs: Any) -> WriteOutcome:
        raise StoreUnavailable("MongoDB kept failing")

    monkeypatch.setattr(service, "insert_events", failing)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {INGEST_KEY}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://q",
                                     headers=headers) as client:
            response = await client.post("/api/v1/events/batch", json=batch(0))
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "store_unavailable"
            text = (await client.get("/metrics")).text
    assert 'questlog_inserts_total{outcome="failed"} 1.0' in text
    assert 'questlog_inserts_total{outcome="ok"} 0.0' in text
