"""GET /api/v1/health, and what clients get while MongoDB does not answer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import bill_vote
from events_http import EVENTS, data_of, error_of, post_batch
from pymongo.errors import ServerSelectionTimeoutError

from questlog.bootstrap import Questlog
from questlog.settings import Settings
from questlog.store.connection import Store
from questlog.store.documents import StoredEvent

HEALTH = "/api/v1/health"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Give up on an unreachable MongoDB at once rather than after the usual backoff."""
    return settings.model_copy(update={"write_retries": 1, "write_backoff_seconds": 0})


async def unreachable(*args: Any, **kwargs: Any) -> Any:
    raise ServerSelectionTimeoutError("localhost:27017: connection refused")


async def test_health_answers_200_without_a_key(
    anonymous_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    data = data_of(await anonymous_client.get(HEALTH))

    assert (data["status"], data["store"]) == ("ok", questlog.store.kind)
    assert data["persistent"] is questlog.store.persistent
    assert data["bus"]["dropped"] == 0
    assert data["best_effort"]["dropped"] == 0


async def test_health_answers_503_when_the_store_does_not_answer_a_ping(
    anonymous_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_answer(self: Store) -> bool:
        return False

    monkeypatch.setattr(Store, "ping", no_answer)

    response = await anonymous_client.get(HEALTH)
    error_of(response, 503, "store_unavailable")
    assert response.headers["retry-after"] == "5"


async def test_health_answers_503_when_the_database_is_unreachable(
    anonymous_client: httpx.AsyncClient, questlog: Questlog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(questlog.store.database, "command", unreachable)

    error_of(await anonymous_client.get(HEALTH), 503, "store_unavailable")


async def test_ingest_while_mongodb_is_unreachable_answers_503_to_retry(
    ingest_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StoredEvent.get_motor_collection(), "insert_many", unreachable)

    for response in (await ingest_client.post(EVENTS, json=bill_vote()),
                     await post_batch(ingest_client, [bill_vote()])):
        error_of(response, 503, "store_unavailable")
        assert response.headers["retry-after"] == "5"


async def test_read_while_mongodb_is_unreachable_answers_503(
    read_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StoredEvent.get_motor_collection(), "count_documents", unreachable)

    error_of(await read_client.get(EVENTS), 503, "store_unavailable")
