"""GET /api/v1/events/stream: stored events as server-sent events, with the list's filters."""

from __future__ import annotations

import asyncio
import json

import httpx
from conftest import bill_vote
from events_http import error_of

from questlog.bootstrap import Questlog

STREAM = "/api/v1/events/stream"


def frames(text: str) -> list[tuple[str, dict[str, object]]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if lines:
            out.append((lines["event"], json.loads(lines["data"])))
    return out


async def test_a_viewer_gets_the_events_its_filters_match_as_they_are_stored(
    questlog: Questlog, read_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient,
) -> None:
    viewing = asyncio.create_task(read_client.get(
        STREAM, params={"type": "BILL_VOTE", "user_id": "p-7", "seconds": "1.5"}))
    while questlog.live.subscribers == 0:
        await asyncio.sleep(0.01)

    stored = await ingest_client.post("/api/v1/events/batch", json={"events": [
        bill_vote(user_id="p-7", event_id="mine"), bill_vote(user_id="p-8"),
        {**bill_vote(user_id="p-7"), "type": "LOBBY_ATTEMPT"}]})
    response = await viewing

    assert stored.json()["data"]["accepted"] == 2
    assert response.headers["content-type"].startswith("text/event-stream")
    kinds = frames(response.text)
    assert [kind for kind, _ in kinds] == ["ready", "event", "end"]
    assert kinds[1][1]["event_id"] == "mine"
    assert kinds[1][1]["type"] == "BILL_VOTE"
    assert questlog.live.subscribers == 0


async def test_the_stream_needs_a_read_key(
    anonymous_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient,
) -> None:
    error_of(await anonymous_client.get(STREAM), 401, "unauthorized")
    error_of(await ingest_client.get(STREAM), 403, "forbidden")
