"""POST /api/v1/events/rejected/replay: quarantined events that pass today are stored,
once, however many times the replay runs; the others stay quarantined, counted by code."""

from __future__ import annotations

import httpx
from conftest import bill_vote

REPLAY = "/api/v1/events/rejected/replay"


async def quarantine_some(ingest_client: httpx.AsyncClient) -> None:
    # A batch refused as a whole (a field the batch does not have), of two valid events,
    refused = await ingest_client.post("/api/v1/events/batch", json={
        "events": [bill_vote(), bill_vote(event_id="kept-id")], "client": "old-sdk",
    })
    assert refused.json()["error"]["code"] == "invalid_batch"
    # and an event of a type no contract knows.
    unknown = await ingest_client.post("/api/v1/events", json={"type": "NO_SUCH_TYPE"})
    assert unknown.status_code == 422


async def stored_ids(read_client: httpx.AsyncClient) -> list[str]:
    response = await read_client.get("/api/v1/events", params={"type": "BILL_VOTE"})
    return sorted(e["event_id"] for e in response.json()["data"])


async def test_replay_stores_what_passes_once_and_counts_the_rest(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient,
    admin_client: httpx.AsyncClient,
) -> None:
    await quarantine_some(ingest_client)

    first = await admin_client.post(REPLAY, json={})
    assert first.status_code == 200, first.text
    assert first.json()["data"] == {
        "matched": 2, "events": 3, "stored": 2, "duplicate": 0,
        "still_rejected": {"unknown_event_type": 1}, "unreadable": 0,
    }
    ids = await stored_ids(read_client)
    assert len(ids) == 2
    assert "kept-id" in ids

    second = await admin_client.post(REPLAY)
    assert second.json()["data"]["stored"] == 0
    assert second.json()["data"]["matched"] == 1  # only the one still rejected
    assert await stored_ids(read_client) == ids

    quarantine = await admin_client.get("/api/v1/events/rejected")
    outcomes = sorted(r["replay"]["outcome"] for r in quarantine.json()["data"])
    assert outcomes == ["still_rejected", "stored"]


async def test_replay_filters_by_code_and_id(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    await quarantine_some(ingest_client)
    by_code = await admin_client.post(REPLAY, json={"codes": ["unknown_event_type"]})
    assert by_code.json()["data"]["matched"] == 1
    assert by_code.json()["data"]["stored"] == 0

    bad_id = await admin_client.post(REPLAY, json={"ids": ["not-an-id"]})
    assert bad_id.status_code == 422
    assert bad_id.json()["error"]["code"] == "invalid_body"


async def test_replay_needs_admin(ingest_client: httpx.AsyncClient) -> None:
    response = await ingest_client.post(REPLAY, json={})
    assert response.status_code == 403
