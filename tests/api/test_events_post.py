"""POST /api/v1/events: one event, 202 when stored or duplicate, the rejection's code otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import ADMIN_KEY, bill_vote, iso
from events_http import EVENTS, data_of, error_of, post_raw, stored_events

from questlog.bootstrap import Questlog


async def test_valid_event_is_stored_and_answered_202(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    response = await ingest_client.post(EVENTS, json=bill_vote(event_id="e-1"))

    assert data_of(response, 202) == {
        "accepted": 1, "duplicates": 0, "rejected": 0, "opted_out": 0, "sampled_out": 0,
        "event_ids": ["e-1"],
        "rejections": [],
    }
    [stored] = await stored_events(questlog)
    assert (stored["_id"], stored["bill_id"]) == ("e-1", "bill-7")


async def test_event_without_id_is_answered_with_the_generated_one(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    data = data_of(await ingest_client.post(EVENTS, json=bill_vote()), 202)

    [stored] = await stored_events(questlog)
    assert data["event_ids"] == [stored["_id"]]


async def test_duplicate_event_is_answered_202_and_stored_once(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await ingest_client.post(EVENTS, json=bill_vote(event_id="e-1"))

    again = data_of(await ingest_client.post(EVENTS, json=bill_vote(event_id="e-1")), 202)

    assert (again["accepted"], again["duplicates"], again["event_ids"]) == (0, 1, [])
    assert len(await stored_events(questlog)) == 1


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.mark.parametrize(
    ("event", "status", "code"),
    [
        (bill_vote(stance="maybe"), 422, "invalid_event"),
        (bill_vote(surprise=True), 422, "invalid_event"),
        ({"type": "BILL_VOTED"}, 422, "unknown_event_type"),
        (bill_vote(schema_version=7), 422, "unsupported_version"),
        ({"type": "retry", "data": {"blob": "x" * 5000}}, 413, "event_too_large"),
        (lambda: bill_vote(occurred_at=iso(_now() + timedelta(minutes=10))), 422,
         "timestamp_in_future"),
        (lambda: bill_vote(occurred_at=iso(_now() - timedelta(days=31))), 422,
         "timestamp_too_old"),
    ],
    ids=["bad-value", "unknown-field", "unknown-type", "unknown-version", "too-large", "future",
         "too-old"],
)
async def test_rejected_event_is_answered_with_its_code_and_not_stored(
    ingest_client: httpx.AsyncClient, questlog: Questlog, event: Any, status: int, code: str
) -> None:
    body = event() if callable(event) else event

    error_of(await ingest_client.post(EVENTS, json=body), status, code)

    assert await stored_events(questlog) == []


async def test_invalid_event_details_name_each_bad_field(ingest_client: httpx.AsyncClient) -> None:
    response = await ingest_client.post(EVENTS, json=bill_vote(stance="maybe", seat_weight="x"))

    error = error_of(response, 422, "invalid_event")
    assert sorted(d["field"] for d in error["details"]) == ["seat_weight", "stance"]


async def test_malformed_json_is_answered_400(ingest_client: httpx.AsyncClient) -> None:
    error_of(await post_raw(ingest_client, EVENTS, '{"type": "BILL_VOTE",'), 400, "malformed_json")


async def test_seed_003_camel_case_event_is_accepted(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    occurred = _now().replace(microsecond=0) - timedelta(minutes=1)
    event = {"type": "CAMPAIGN_PHASE_CHANGE", "eventId": "e-1", "userId": "u-1",
             "createdAt": iso(occurred), "metaVersion": 1, "campaignId": "k",
             "phaseFrom": "primary", "phaseTo": "general"}

    data_of(await ingest_client.post(EVENTS, json=event), 202)

    [stored] = await stored_events(questlog)
    assert (stored["user_id"], stored["phase_to"], stored["occurred_at"]) == (
        "u-1", "general", occurred,
    )


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-key"}, {"Authorization": f"Basic {ADMIN_KEY}"},
     {"Authorization": "Bearer "}],
    ids=["no-header", "unknown-key", "other-scheme", "empty-key"],
)
async def test_request_without_a_valid_key_is_unauthorized(
    anonymous_client: httpx.AsyncClient, questlog: Questlog, headers: dict[str, str]
) -> None:
    response = await anonymous_client.post(EVENTS, json=bill_vote(), headers=headers)

    error_of(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert await stored_events(questlog) == []


async def test_key_without_the_ingest_scope_is_forbidden(
    read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    error_of(await read_client.post(EVENTS, json=bill_vote()), 403, "forbidden")
    assert await stored_events(questlog) == []


async def test_admin_key_may_ingest(admin_client: httpx.AsyncClient) -> None:
    data_of(await admin_client.post(EVENTS, json=bill_vote()), 202)


async def test_key_is_checked_before_the_body_is_read(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await post_raw(anonymous_client, EVENTS, "{not json")

    error_of(response, 401, "unauthorized")


async def test_read_key_cannot_post_a_batch_either(read_client: httpx.AsyncClient) -> None:
    response = await read_client.post("/api/v1/events/batch", json={"events": [bill_vote()]})

    error_of(response, 403, "forbidden")
