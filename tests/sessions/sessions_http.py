"""Helpers of the sessions tests: events of a session, posting them, settling, reading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from conftest import iso

from questlog.bootstrap import Questlog

SESSIONS = "/api/v1/sessions"
BATCH = "/api/v1/events/batch"
# Recent enough for the ingest limits (max_past_days), on a whole hour.
T0 = (datetime.now(UTC) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)


def at(seconds: float) -> str:
    return iso(T0 + timedelta(seconds=seconds))


def skill(event_type: str, seconds: float, *, session: str = "s-1", user: str = "student-1",
          **fields: Any) -> dict[str, Any]:
    return {"type": event_type, "session_id": session, "user_id": user,
            "occurred_at": at(seconds), **fields}


def attempt(sequence: int, number: int, success: bool, seconds: float, *, session: str,
            user: str = "player-1", company: str = "c-1") -> dict[str, Any]:
    return {"type": "AttemptSubmitted", "session_id": session, "user_id": user,
            "company_id": company, "sequence": sequence, "attempt_number": number,
            "success": success, "occurred_at": at(seconds)}


def data_of(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["ok"] is True
    return body["data"]


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["ok"] is False
    assert body["error"]["code"] == code, body["error"]
    error: dict[str, Any] = body["error"]
    return error


async def post_batch(client: httpx.AsyncClient, events: list[Any]) -> httpx.Response:
    return await client.post(BATCH, json={"events": events})


async def store(
    client: httpx.AsyncClient, questlog: Questlog, events: list[dict[str, Any]]
) -> None:
    """Post `events`, then wait until their sessions are summarized."""
    assert data_of(await post_batch(client, events))["accepted"] == len(events)
    await questlog.sessions.settle(questlog.bus)


async def close(client: httpx.AsyncClient, session_id: str) -> httpx.Response:
    return await client.post(f"{SESSIONS}/{session_id}/close")
