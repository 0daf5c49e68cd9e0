"""Seed 001's client against Questlog: its example batch, the 50-event limit, the answer's
rejection sample, and a submitted test session closing with its features."""

from __future__ import annotations

from datetime import timedelta

import httpx
from seed_examples import BASE, example, examples, stamp

from questlog.bootstrap import Questlog

EVENTS = "/v1/telemetry/events"


async def test_the_seeds_examples_pass_and_answer_as_the_seed_shows(
    ingest_client: httpx.AsyncClient,
) -> None:
    for seed_example in examples("seed_001"):
        answer = await ingest_client.post(EVENTS, json=seed_example["body"])
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"accepted": 1, "rejected": 0, "rejected_reasons_sample": []}
    shown = example("seed_001", "client ingestion")["response"]
    assert set(shown) == {"accepted", "rejected", "rejected_reasons_sample"}


async def test_invalid_events_are_counted_with_at_most_five_reasons(
    ingest_client: httpx.AsyncClient,
) -> None:
    good = example("seed_001", "client ingestion")["body"]["events"][0]
    bad = [{**good, "event_type": f"NOPE_{i}"} for i in range(7)]
    answer = await ingest_client.post(EVENTS, json={"source": "web", "events": [good, *bad]})
    body = answer.json()
    assert (body["accepted"], body["rejected"]) == (1, 7)
    assert len(body["rejected_reasons_sample"]) == 5
    assert body["rejected_reasons_sample"][0].startswith("events[1]: unknown_event_type")


async def test_more_than_fifty_events_are_refused(ingest_client: httpx.AsyncClient) -> None:
    good = example("seed_001", "client ingestion")["body"]["events"][0]
    answer = await ingest_client.post(EVENTS, json={"source": "web", "events": [good] * 51})
    assert (answer.status_code, answer.json()["error"]["code"]) == (413, "batch_too_large")


async def test_a_submitted_test_session_is_closed_with_its_features(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    def at(seconds: int) -> str:
        return stamp(BASE + timedelta(seconds=seconds))

    events = [
        {"event_type": "SESSION_CREATED", "client_ts": at(0), "seq": 1, "session_id": "t-1"},
        {"event_type": "QUESTION_VIEWED", "client_ts": at(5), "seq": 2, "session_id": "t-1",
         "question_id": "q-1", "payload": {"position": 1}},
        {"event_type": "ANSWER_SELECTED", "client_ts": at(9), "seq": 3, "session_id": "t-1",
         "question_id": "q-1", "payload": {"index": 0}},
        {"event_type": "ANSWER_CHANGED", "client_ts": at(12), "seq": 4, "session_id": "t-1",
         "question_id": "q-1", "payload": {"index": 2}},
        {"event_type": "PAUSE_BLUR", "client_ts": at(20), "seq": 5, "session_id": "t-1",
         "payload": {"state": "blur"}},
        {"event_type": "PAUSE_BLUR", "client_ts": at(40), "seq": 6, "session_id": "t-1",
         "payload": {"state": "focus"}},
        {"event_type": "SESSION_SUBMITTED", "client_ts": at(60), "seq": 7, "session_id": "t-1"},
    ]
    answer = await ingest_client.post(EVENTS, json={"source": "web", "user_id": "u-1",
                                                    "events": events})
    assert answer.json()["accepted"] == 7, answer.text
    await questlog.sessions.settle(questlog.bus)
    session = (await read_client.get("/api/v1/sessions/t-1")).json()["data"]
    assert (session["status"], session["closed_by"]) == ("closed", "end_event")
    assert session["user_id"] == "u-1"
    assert session["features"] == {"duration_s": 60.0, "event_count": 7, "questions_viewed": 1,
                                   "answers_changed": 1, "blur_count": 1}
