"""Seed 000's client against Questlog: its example event and batch, its close, and a session
whose eight features match a hand calculation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from seed_examples import BASE, example, stamp

from questlog.bootstrap import Questlog

EVENTS, BATCH = "/api/v1/telemetry/events", "/api/v1/telemetry/batch"


def close_path(session: str) -> str:
    return f"/api/v1/telemetry/session/{session}/close"


async def test_the_seeds_examples_pass_and_close_as_the_seed_shows(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    single = await ingest_client.post(EVENTS, json=example("seed_000", "ingest single event")
                                      ["body"])
    assert single.status_code == 202, single.text
    assert single.json()["data"]["event_ids"] == ["evt-123"]
    batch = await ingest_client.post(BATCH, json=example("seed_000", "ingest batch of events")
                                     ["body"])
    assert batch.json()["data"]["accepted"] == 2, batch.text  # mission_start has no mission_id
    assert batch.json()["data"]["batch_id"] == "batch-001"
    await questlog.sessions.settle(questlog.bus)

    closed = await ingest_client.post(close_path("session-789"))
    assert closed.status_code == 200, closed.text
    body = closed.json()
    shown = example("seed_000", "close session")["response"]
    assert set(shown) <= set(body)
    assert body["session_id"] == "session-789"
    assert body["status"] == "closed"
    assert body["message"] == shown["message"]
    assert body["started_at"] == stamp(BASE)
    assert body["ended_at"] == stamp(BASE + timedelta(seconds=30))  # the last event
    assert body["features"]["event_count"] == 3
    stored = await read_client.get("/api/v1/events", params={"session_id": "session-789"})
    assert {e["game_version"] for e in stored.json()["data"]} == {"1.0.0"}  # client_version
    assert {e["user_id"] for e in stored.json()["data"]} == {"student-456"}


def seed_event(n: int, event_type: str, seconds: int, **data: Any) -> dict[str, Any]:
    return {"event_id": f"h-{n}", "student_id": "student-1", "event_type": event_type,
            "timestamp": stamp(BASE + timedelta(seconds=seconds)), "data": data,
            "session_id": "hand"}


async def test_a_closed_sessions_eight_features_match_a_hand_calculation(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    events = [
        seed_event(1, "mission_start", 0),
        seed_event(2, "task_start", 0, task_id="t1", expected_duration_s=60),
        seed_event(3, "task_start", 60, task_id="t2", expected_duration_s=90),
        seed_event(4, "failure", 100),
        seed_event(5, "task_complete", 120, task_id="t1"),      # 60 expected in 120: 0.5
        seed_event(6, "success_after_failure", 130),
        seed_event(7, "distraction", 200),
        seed_event(8, "distraction", 210),
        seed_event(9, "retry", 300),
        seed_event(10, "collaboration", 400),
        seed_event(11, "leadership", 500),
        seed_event(12, "leadership", 600),
    ]
    answer = await ingest_client.post(BATCH, json={"batch_id": "b", "client_version": "2.0",
                                                   "events": events})
    assert answer.json()["data"]["accepted"] == 12, answer.text
    await questlog.sessions.settle(questlog.bus)
    closed = (await ingest_client.post(close_path("hand"))).json()
    assert closed["features"] == {
        "duration_s": 600.0,
        "event_count": 12,
        "task_completion_rate": 0.5,          # t1 of t1, t2
        "time_efficiency": 0.5,               # t1 only: 60 / 120
        "retry_count": 1,
        "recovery_rate": 1.0,                 # 1 success_after_failure / 1 failure
        "distraction_resistance": pytest.approx(1 - 2 / 12),
        "focus_duration": 10.0,               # 600 s
        "collaboration_indicators": 1,
        "leadership_indicators": 2,
    }
    read = (await read_client.get("/api/v1/sessions/hand")).json()["data"]
    assert read["features"] == closed["features"]


async def test_an_invalid_event_is_rejected_precisely(ingest_client: httpx.AsyncClient) -> None:
    body = example("seed_000", "ingest single event")["body"] | {"event_type": "no_such_type"}
    answer = await ingest_client.post(EVENTS, json=body)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "unknown_event_type"


async def test_a_batch_without_events_is_invalid(ingest_client: httpx.AsyncClient) -> None:
    answer = await ingest_client.post(BATCH, json={"batch_id": "b"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_batch")


async def test_closing_an_unknown_session_is_404(ingest_client: httpx.AsyncClient) -> None:
    answer = await ingest_client.post(close_path("nope"))
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found")


async def test_the_seeds_endpoints_need_a_key(anonymous_client: httpx.AsyncClient) -> None:
    answer = await anonymous_client.post(EVENTS, json={})
    assert answer.status_code == 401


async def test_a_field_sent_under_both_names_is_rejected_not_dropped(
    ingest_client: httpx.AsyncClient,
) -> None:
    body = example("seed_000", "ingest single event")["body"] | {"user_id": "someone-else"}
    answer = await ingest_client.post(EVENTS, json=body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_event")
    assert "student_id" in answer.json()["error"]["message"]
