"""Sessions over HTTP: opened by their events, closed explicitly, by an ending event or when
idle, read back with their features; repeated, concurrent and late closes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from conftest import iso
from sessions_http import SESSIONS, T0, at, attempt, close, data_of, error_of, skill, store

from questlog.bootstrap import Questlog


async def test_events_with_a_session_id_open_it(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("choice_made", 0), skill("pause", 90)])
    session = data_of(await read_client.get(f"{SESSIONS}/s-1"))
    assert session["status"] == "open"
    assert session["user_id"] == "student-1"
    assert session["catalogs"] == ["skills"]
    assert session["event_count"] == 2
    assert session["events_by_type"] == {"choice_made": 1, "pause": 1}
    assert session["started_at"] == at(0)
    assert session["last_event_at"] == at(90)
    assert session["features"] is None


async def test_close_answers_seed_000s_shape_with_the_features(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("choice_made", 0), skill("distraction", 900)])
    closed = data_of(await close(ingest_client, "s-1"))
    assert closed["session_id"] == "s-1"
    assert closed["status"] == "closed"
    assert closed["closed_by"] == "explicit"
    assert closed["started_at"] == at(0)
    assert closed["ended_at"] == at(900)
    assert closed["message"] == "Session closed and behavioral features extracted"
    assert closed["features"]["focus_duration"] == 15.0
    assert closed["features"]["distraction_resistance"] == 0.5


async def test_finalize_is_close(ingest_client: httpx.AsyncClient, questlog: Questlog) -> None:
    await store(ingest_client, questlog, [attempt(0, 1, True, 0, session="e-1")])
    closed = data_of(await ingest_client.post(f"{SESSIONS}/e-1/finalize"))
    assert closed["status"] == "closed"
    assert closed["features"]["fta_level"] == 1.0


async def test_closing_an_unknown_session_is_404(ingest_client: httpx.AsyncClient) -> None:
    error_of(await close(ingest_client, "nope"), 404, "not_found")


async def test_closing_needs_the_ingest_scope(
    read_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("choice_made", 0)])
    error_of(await close(read_client, "s-1"), 403, "forbidden")


async def test_closing_twice_gives_one_summary(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("task_start", 0, task_id="t"),
                                          skill("task_complete", 60, task_id="t")])
    first = data_of(await close(ingest_client, "s-1"))
    version = (await questlog.sessions.service.get("s-1"))["version"]
    second = data_of(await close(ingest_client, "s-1"))
    assert first == second
    assert (await questlog.sessions.service.get("s-1"))["version"] == version  # not rewritten


async def test_concurrent_closes_give_one_summary(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("retry", 0), skill("failure", 30),
                                          skill("recovery", 60)])
    answers = await asyncio.gather(*(close(ingest_client, "s-1") for _ in range(8)))
    bodies = [data_of(a) for a in answers]
    assert all(body == bodies[0] for body in bodies)
    stored = await questlog.sessions.service.get("s-1")
    assert iso(stored["closed_at"]) == bodies[0]["closed_at"]
    assert stored["features"] == bodies[0]["features"]


async def test_a_late_event_after_close_recomputes_the_summary(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("task_start", 0, task_id="a"),
                                          skill("task_start", 10, task_id="b"),
                                          skill("task_complete", 60, task_id="a")])
    closed = data_of(await close(ingest_client, "s-1"))
    assert closed["features"]["task_completion_rate"] == 0.5
    # a late event, stamped inside the session, arrives after the close
    await store(ingest_client, questlog, [skill("task_complete", 50, task_id="b")])
    session = data_of(await read_client.get(f"{SESSIONS}/s-1"))
    assert session["status"] == "closed"
    assert session["closed_by"] == "explicit"
    assert session["closed_at"] == closed["closed_at"]
    assert session["event_count"] == 4
    assert session["features"]["task_completion_rate"] == 1.0
    assert session["ended_at"] == at(60)


async def test_an_ending_event_closes_the_session(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    events = [
        {"type": "QUESTION_VIEWED", "session_id": "x-1", "user_id": "u", "question_id": "q1",
         "occurred_at": at(0)},
        {"type": "ANSWER_CHANGED", "session_id": "x-1", "user_id": "u", "question_id": "q1",
         "occurred_at": at(5)},
        {"type": "PAUSE_BLUR", "session_id": "x-1", "user_id": "u", "payload": {"state": "blur"},
         "occurred_at": at(6)},
        {"type": "PAUSE_BLUR", "session_id": "x-1", "user_id": "u", "payload": {"state": "focus"},
         "occurred_at": at(7)},
        {"type": "SESSION_SUBMITTED", "session_id": "x-1", "user_id": "u", "occurred_at": at(20)},
    ]
    await store(ingest_client, questlog, events)
    session = data_of(await read_client.get(f"{SESSIONS}/x-1"))
    assert session["status"] == "closed"
    assert session["closed_by"] == "end_event"
    assert session["features"] == {
        "duration_s": 20.0, "event_count": 5, "questions_viewed": 1, "answers_changed": 1,
        "blur_count": 1,
    }


async def test_the_sweep_closes_idle_sessions(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("choice_made", 0, session="old"),
                                          skill("choice_made", 0, session="fresh")])
    await store(ingest_client, questlog, [skill("choice_made", 3000, session="fresh")])
    # 31 minutes after the last event of "old", 20 after the last of "fresh"
    result = await questlog.sessions.sweeper.run(T0 + timedelta(minutes=31))
    assert result.closed_idle == 1
    old = await questlog.sessions.service.get("old")
    assert (old["status"], old["closed_by"]) == ("closed", "idle_timeout")
    assert (await questlog.sessions.service.get("fresh"))["status"] == "open"


async def test_the_sweep_summarizes_what_the_bus_dropped(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    # stored by another process: straight into the store, no bus message
    await store(ingest_client, questlog, [skill("choice_made", 0)])
    raw = await questlog.store.database["events"].find_one({"session_id": "s-1"})
    raw.update(_id="copied", type="pause", event_time=T0 + timedelta(seconds=5))
    await questlog.store.database["events"].insert_one(raw)
    assert (await questlog.sessions.service.get("s-1"))["event_count"] == 1
    result = await questlog.sessions.sweeper.run()
    assert result.summarized == 1
    assert (await questlog.sessions.service.get("s-1"))["event_count"] == 2
