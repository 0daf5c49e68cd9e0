"""A JSON object naming a key twice is refused, naming the key: which value was meant is
unknown, and a proxy reading the first would disagree with a store keeping the last."""

from __future__ import annotations

import httpx
import pytest
from conftest import bill_vote
from events_http import BATCH, EVENTS, compact, error_of, post_raw, quarantined, stored_events

from questlog.bootstrap import Questlog

ALICE_THEN_MALLORY = (
    compact(bill_vote(event_id="e-dup", user_id="alice"))[:-1] + ',"user_id":"mallory"}'
)


async def test_a_single_event_repeating_a_key_is_422_invalid_event_naming_it(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    response = await post_raw(ingest_client, EVENTS, ALICE_THEN_MALLORY)

    error = error_of(response, 422, "invalid_event")

    assert "'user_id'" in error["message"]
    assert error["details"][0]["kind"] == "duplicate_key"
    assert await stored_events(questlog) == []
    [kept] = await quarantined(questlog)
    assert (kept["code"], kept["event_id"]) == ("invalid_event", "e-dup")


async def test_a_key_repeated_in_a_nested_object_is_named_with_its_path(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    body = ('{"type":"LOBBY_ATTEMPT","user_id":"p-1","difficulty_tier":2,"success":true,'
            '"spend":1.0,"breakdown":{"gifts":1.0,"gifts":900.0}}')

    error = error_of(await post_raw(ingest_client, EVENTS, body), 422, "invalid_event")

    assert "breakdown.'gifts'" in error["message"]
    assert await stored_events(questlog) == []


async def test_in_a_batch_only_the_event_repeating_a_key_is_rejected(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    body = ('{"events":[' + compact(bill_vote(event_id="good")) + "," + ALICE_THEN_MALLORY
            + "," + '{"type":"retry","data":{"list":[{"a":1,"a":2}]}}' + "]}")

    response = await post_raw(ingest_client, BATCH, body)

    assert response.status_code == 200, response.text
    rejections = response.json()["data"]["rejections"]
    assert [(r["index"], r["code"]) for r in rejections] == [
        (1, "invalid_event"), (2, "invalid_event"),
    ]
    assert "'user_id'" in rejections[0]["message"]
    assert "data.list.0.'a'" in rejections[1]["message"]
    assert [e["_id"] for e in await stored_events(questlog)] == ["good"]


async def test_a_batch_object_repeating_a_key_is_422_invalid_body(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    body = '{"events":[' + compact(bill_vote()) + '],"events":[]}'

    error = error_of(await post_raw(ingest_client, BATCH, body), 422, "invalid_body")

    assert "'events'" in error["message"]
    assert await stored_events(questlog) == []
    [kept] = await quarantined(questlog)
    assert (kept["code"], kept["raw"]) == ("invalid_body", body)


@pytest.mark.parametrize(("route", "body", "key"), [
    ("/api/v1/jobs/rollup", '{"from":"2026-01-01","to":"2026-01-02","to":"2026-01-03"}', "to"),
    ("/api/v1/achievements/redeem",
     '{"user_id":"alice","achievement_id":"first_vote","user_id":"mallory"}', "user_id"),
])
async def test_a_command_body_repeating_a_key_is_422_invalid_body(
    admin_client: httpx.AsyncClient, route: str, body: str, key: str
) -> None:
    error = error_of(await post_raw(admin_client, route, body), 422, "invalid_body")

    assert repr(key) in error["message"]
    assert error["details"][0]["field"] == key
