"""The quarantine: every rejected event or unreadable request is kept, and admins can read it."""

from __future__ import annotations

import json

import httpx
import pytest
from conftest import bill_vote
from events_http import BATCH, EVENTS, REJECTED, data_of, error_of, post_batch, post_raw

from questlog.bootstrap import Questlog


async def test_rejected_events_are_kept_with_code_message_and_raw_body(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    bad = bill_vote(event_id="b", stance="maybe")
    await post_batch(ingest_client, [bill_vote(), bad, {"type": "NOPE"}])

    items = data_of(await admin_client.get(REJECTED))

    assert sorted((i["index"], i["code"], i["event_id"], i["event_type"]) for i in items) == [
        (1, "invalid_event", "b", "BILL_VOTE"), (2, "unknown_event_type", None, "NOPE"),
    ]
    kept = next(i for i in items if i["index"] == 1)
    assert json.loads(kept["raw"]) == bad
    assert "stance" in kept["message"]
    assert kept["received_at"]
    assert kept["api_key"].startswith("key:")
    assert "test-ingest" not in json.dumps(items)  # the key itself is never stored


async def test_single_rejected_event_is_kept_too(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    await ingest_client.post(EVENTS, json={"type": "BILL_VOTE", "schema_version": 9})

    [kept] = data_of(await admin_client.get(REJECTED))

    assert (kept["code"], kept["index"]) == ("unsupported_version", 0)


async def test_malformed_body_is_kept_as_sent(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    await post_raw(ingest_client, BATCH, '{"events": [{"type": "BILL_VOTE",]}')

    [kept] = data_of(await admin_client.get(REJECTED))

    assert (kept["code"], kept["index"]) == ("malformed_json", None)
    assert kept["raw"] == '{"events": [{"type": "BILL_VOTE",]}'


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"evnts": [bill_vote(event_id="lost?")]}, 422, "invalid_batch"),
        ({"events": [bill_vote(event_id="lost?")] * 1001}, 413, "batch_too_large"),
    ],
    ids=["not-a-batch", "too-many-events"],
)
async def test_refused_batch_is_kept_so_its_events_can_be_replayed(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient, body: object,
    status: int, code: str,
) -> None:
    error_of(await ingest_client.post(BATCH, json=body), status, code)

    [kept] = data_of(await admin_client.get(REJECTED))

    assert (kept["code"], kept["index"]) == (code, None)
    assert '"lost?"' in kept["raw"]


async def test_quarantined_body_is_capped(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    cap = questlog.settings.rejected_raw_cap_bytes
    await post_raw(ingest_client, BATCH, '{"events": [' + "1," * cap)

    [kept] = data_of(await admin_client.get(REJECTED))

    assert len(kept["raw"].encode()) <= cap
    assert kept["raw_truncated"] is True


async def test_rejections_are_filtered_by_code_and_newest_first(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    for event_id in ("first", "second", "third"):
        await ingest_client.post(EVENTS, json={"type": "NOPE", "event_id": event_id})
    await post_raw(ingest_client, EVENTS, "{")

    response = await admin_client.get(
        REJECTED, params={"code": "unknown_event_type", "page_size": 2}
    )

    assert [i["event_id"] for i in data_of(response)] == ["third", "second"]
    assert response.json()["meta"] | {"next_after": "..."} == {
        "page": 1, "page_size": 2, "total": 3, "next_after": "...", "not_stored": []
    }


async def test_time_out_of_range_in_the_query_is_answered_422(
    admin_client: httpx.AsyncClient,
) -> None:
    response = await admin_client.get(REJECTED, params={"from": "0001-01-01T00:00:00+01:00"})

    error_of(response, 422, "invalid_query")


async def test_quarantine_is_for_admins_only(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
) -> None:
    error_of(await ingest_client.get(REJECTED), 403, "forbidden")
    error_of(await read_client.get(REJECTED), 403, "forbidden")
    error_of(await anonymous_client.get(REJECTED), 401, "unauthorized")


async def test_quarantine_expires_after_seven_days(questlog: Questlog) -> None:
    indexes = await questlog.store.database["rejected_events"].index_information()

    [ttl] = [i for i in indexes.values() if "expireAfterSeconds" in i]
    assert ttl["key"] == [("received_at", 1)]
    assert ttl["expireAfterSeconds"] == 7 * 86_400
