"""Data out over HTTP: raw events streamed as NDJSON or CSV, the export status, and a
CSV of any stats query."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import httpx
from conftest import bill_vote, iso

DAY = datetime.now(UTC).date() - timedelta(days=1)  # a UTC day, whatever the machine's zone
NOON = datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=UTC)


async def store(ingest_client: httpx.AsyncClient, count: int = 3) -> None:
    events = [bill_vote(event_id=f"v-{i}", occurred_at=iso(NOON + timedelta(minutes=i)),
                        user_id=f"p-{i}") for i in range(count)]
    response = await ingest_client.post("/api/v1/events/batch", json={"events": events})
    assert response.json()["data"]["accepted"] == count


async def test_events_stream_as_ndjson_oldest_first(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    await store(ingest_client)
    params = {"from": str(DAY), "to": str(DAY)}
    async with admin_client.stream("GET", "/api/v1/events/export", params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) async for line in response.aiter_lines() if line]
    assert [e["event_id"] for e in lines] == ["v-0", "v-1", "v-2"]
    assert lines[0]["seat_weight"] == 1.5
    assert lines[0]["occurred_at"] == iso(NOON).replace("Z", ".000Z")


async def test_events_stream_as_csv_with_a_header(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    await store(ingest_client)
    response = await admin_client.get(
        "/api/v1/events/export",
        params={"from": str(DAY), "to": str(DAY), "format": "csv", "type": "BILL_VOTE"},
    )
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(response.text.splitlines()))
    assert [r["event_id"] for r in rows] == ["v-0", "v-1", "v-2"]
    assert rows[2]["user_id"] == "p-2"


async def test_export_needs_admin_and_a_sane_range(
    read_client: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    params = {"from": str(DAY), "to": str(DAY)}
    forbidden = await read_client.get("/api/v1/events/export", params=params)
    assert forbidden.status_code == 403
    backwards = await admin_client.get(
        "/api/v1/events/export", params={"from": str(DAY), "to": str(DAY - timedelta(days=1))}
    )
    assert backwards.status_code == 422
    assert backwards.json()["error"]["code"] == "invalid_range"
    missing = await admin_client.get("/api/v1/events/export")
    assert missing.status_code == 422


async def test_export_status_before_any_export(admin_client: httpx.AsyncClient) -> None:
    response = await admin_client.get("/api/v1/exports/status")
    assert response.status_code == 200
    status = response.json()["data"]
    assert status["enabled"] is False
    assert status["last_run"] is None
    assert status["last_exported_received_at"] is None


async def test_stats_answer_csv_on_request(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient,
    admin_client: httpx.AsyncClient,
) -> None:
    await store(ingest_client)
    rollup = await admin_client.post("/api/v1/jobs/rollup",
                                     json={"from": str(DAY), "to": str(DAY)})
    assert rollup.status_code == 200
    response = await read_client.get(
        "/api/v1/stats",
        params={"type": "BILL_VOTE", "from": str(DAY), "to": str(DAY), "format": "csv"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(response.text.splitlines()))
    assert len(rows) == 1
    assert rows[0]["count"] == "3"
    assert rows[0]["distinct_users"] == "3"
    assert float(rows[0]["fields.seat_weight.sum"]) == 4.5
