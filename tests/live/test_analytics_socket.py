"""/api/v1/ws: seed 002's analytics envelopes, one acknowledgement per batch, counted as
POST /api/v1/events/batch counts them. On a real uvicorn with its WebSocket protocol, upgraded
from `questlog serve`'s HTTP protocol (api.limits)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from questlog.api.app import create_app
from questlog.api.limits import uvicorn_options
from questlog.dashboard.browse import free_port
from questlog.settings import Settings

GAME = {"client_guid": "g", "build": "1.0", "platform": "pc", "shard": "eu-1"}
AUTH = {"Authorization": "Bearer test-ingest"}


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning", ws="auto",
                                           **uvicorn_options(settings)))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), task.exception()
        await asyncio.sleep(0.02)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    await task


def batch(**fields: Any) -> str:
    return json.dumps({"type": "analytics", "id": "b-1", "events": [
        {"type": "session_start", "user_id": "p1", **GAME, "event_id": "e-1"},
        {"type": "engage_enemy", "user_id": "p1", **GAME, "enemy_id": "m", "event_id": "e-2"},
        {"type": "NOT_A_TYPE"},
    ], **fields})


async def test_a_batch_is_acknowledged_with_the_batch_endpoints_counts(served: str) -> None:
    async with connect(f"ws://{served}/api/v1/ws", additional_headers=AUTH) as socket:
        await socket.send(batch())
        ack = json.loads(await socket.recv())
        await socket.send(batch(id="b-2"))
        again = json.loads(await socket.recv())
    async with httpx.AsyncClient(base_url=f"http://{served}", headers=AUTH) as client:
        events = json.loads(batch())["events"]
        over_http = (await client.post("/api/v1/events/batch", json={"events": events})).json()

    assert ack["type"] == "analytics_ack"
    assert ack["id"] == "b-1"
    assert (ack["accepted"], ack["duplicates"], ack["rejected"]) == (2, 0, 1)
    assert ack["rejections"][0]["code"] == "unknown_event_type"
    assert (again["id"], again["accepted"], again["duplicates"]) == ("b-2", 0, 2)
    counts = {k: over_http["data"][k] for k in ("accepted", "duplicates", "rejected")}
    assert counts == {"accepted": 0, "duplicates": 2, "rejected": 1}


async def test_what_is_not_a_batch_gets_an_error_and_the_socket_stays_open(served: str) -> None:
    answers = []
    async with connect(f"ws://{served}/api/v1/ws", additional_headers=AUTH) as socket:
        for message in ("{not json", '{"type": "input"}', '{"type": "analytics", "version": 9}',
                        '{"type": "analytics", "events": 3}'):
            await socket.send(message)
            answers.append(json.loads(await socket.recv())["error"]["code"])
        await socket.send(batch())
        assert json.loads(await socket.recv())["accepted"] == 2
    async with httpx.AsyncClient(base_url=f"http://{served}") as client:
        rejected = (await client.get("/api/v1/events/rejected",
                                     headers={"Authorization": "Bearer test-admin"})).json()

    assert answers == ["malformed_json", "unknown_message_type", "analytics_version",
                       "invalid_batch"]
    assert rejected["meta"]["total"] == 3  # the two unreadable ones, and the unknown type


async def test_a_socket_without_an_ingest_key_is_closed(served: str) -> None:
    for headers in ({}, {"Authorization": "Bearer test-read"}):
        async with connect(f"ws://{served}/api/v1/ws", additional_headers=headers) as socket:
            assert json.loads(await socket.recv())["error"]["code"] == "unauthorized"
            with pytest.raises(ConnectionClosed):
                await socket.recv()
