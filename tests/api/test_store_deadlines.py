"""A store that hangs or keeps failing is answered with 503 store_unavailable within a deadline."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from conftest import bill_vote
from events_http import EVENTS, error_of, post_batch
from pymongo import _csot
from pymongo.errors import AutoReconnect, ExecutionTimeout

from questlog.ops.live import TASK_NAME as LIVE_GAUGES
from questlog.settings import Settings
from questlog.store.documents import StoredEvent


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Generous retries, short deadlines: the deadline, not the retries, must end a wait."""
    return settings.model_copy(update={
        "write_retries": 1000, "write_backoff_seconds": 0.01,
        "write_deadline_seconds": 0.2, "read_deadline_seconds": 0.2,
    })


async def hangs(*args: Any, **kwargs: Any) -> Any:
    await asyncio.Event().wait()


async def keeps_failing(*args: Any, **kwargs: Any) -> Any:
    raise AutoReconnect("connection refused")


@pytest.mark.parametrize("insert_many", [hangs, keeps_failing])
async def test_a_write_the_store_does_not_take_is_503_with_retry_after(
    ingest_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, insert_many: Any,
) -> None:
    monkeypatch.setattr(StoredEvent.get_motor_collection(), "insert_many", insert_many)

    for response in (await ingest_client.post(EVENTS, json=bill_vote()),
                     await post_batch(ingest_client, [bill_vote()])):
        error_of(response, 503, "store_unavailable")
        assert response.headers["retry-after"] == "5"


async def test_a_read_cut_short_by_its_deadline_is_503_not_500(
    read_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def exceeded(*args: Any, **kwargs: Any) -> Any:
        raise ExecutionTimeout("operation exceeded time limit", 50)

    monkeypatch.setattr(StoredEvent.get_motor_collection(), "count_documents", exceeded)

    response = await read_client.get(EVENTS)

    error_of(response, 503, "store_unavailable")
    assert response.headers["retry-after"] == "5"


async def test_a_read_runs_under_the_read_deadline(
    read_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[float | None] = []
    real = StoredEvent.get_motor_collection().count_documents

    async def count(*args: Any, **kwargs: Any) -> int:
        task = asyncio.current_task()
        if task is None or task.get_name() != LIVE_GAUGES:  # the request's, not a gauge's
            seen.append(_csot.get_timeout())  # what pymongo bounds this operation by
        return await real(*args, **kwargs)

    monkeypatch.setattr(StoredEvent.get_motor_collection(), "count_documents", count)

    assert (await read_client.get(EVENTS)).status_code == 200
    assert seen == [0.2]
