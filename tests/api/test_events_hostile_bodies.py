"""Whatever a client sends, the answer is a 4xx with the error envelope: never a 500."""

from __future__ import annotations

import httpx
import pytest
from conftest import bill_vote
from events_http import BATCH, EVENTS, compact, error_of, post_raw, stored_events

from questlog.bootstrap import Questlog

DEEP_LISTS = "[" * 100_000 + "]" * 100_000


def in_data(value_json: str) -> str:
    """A skills event whose free-form data holds the given JSON text."""
    return '{"type":"retry","data":{"value":' + value_json + "}}"


HOSTILE_EVENTS = [
    ("[]", 422, "invalid_event"),
    ('"BILL_VOTE"', 422, "invalid_event"),
    ("null", 422, "invalid_event"),
    ("42", 422, "invalid_event"),
    (compact(bill_vote(bill_id=["nested", {"wrong": "type"}])), 422, "invalid_event"),
    ('{"type":"LOBBY_ATTEMPT","difficulty_tier":1,"success":true,"spend":1,'
     '"breakdown":{"media":{"deep":[1]}}}', 422, "invalid_event"),
    (in_data('"' + "x" * 3_000_000 + '"'), 413, "event_too_large"),
    (in_data("[" * 600 + "]" * 600), 422, "invalid_event"),
    (in_data(DEEP_LISTS), 400, "malformed_json"),
    (in_data("123456789012345678901234567890"), 422, "invalid_event"),
    (in_data("1e400"), 422, "invalid_event"),
    (in_data('{"a\\u0000b": 1}'), 422, "invalid_event"),
    (in_data('"\\ud800"'), 422, "invalid_event"),
    ('{"type":"BILL\\ud800"}', 422, "invalid_event"),
    (compact(bill_vote(event_id="e-\udc00")), 422, "invalid_event"),
    (compact(bill_vote(seq=2**64)), 422, "invalid_event"),
    (compact(bill_vote(occurred_at=1714564800)), 422, "invalid_event"),
    (in_data("NaN"), 400, "malformed_json"),
    ("", 400, "malformed_json"),
    ('{"type": "BILL_VOTE"', 400, "malformed_json"),
]
HOSTILE_IDS = [
    "list", "string", "null", "number", "wrong-type-at-depth", "wrong-type-in-map", "huge-string",
    "nested-600", "nested-100000", "huge-int", "float-overflow", "nul-in-key", "lone-surrogate",
    "lone-surrogate-in-type", "lone-surrogate-in-event-id",
    "int-over-64-bits", "timestamp-as-number", "nan", "empty", "truncated",
]


@pytest.mark.parametrize(("body", "status", "code"), HOSTILE_EVENTS, ids=HOSTILE_IDS)
async def test_hostile_event_is_answered_with_an_error_envelope(
    ingest_client: httpx.AsyncClient, questlog: Questlog, body: str, status: int, code: str
) -> None:
    error_of(await post_raw(ingest_client, EVENTS, body), status, code)

    assert await stored_events(questlog) == []


# Objects that parse as JSON: in a batch, each is one event's rejection.
PARSED_OBJECTS = {i: case for i, case in zip(HOSTILE_IDS, HOSTILE_EVENTS, strict=True)
                  if case[0].startswith("{") and case[2] != "malformed_json"}


@pytest.mark.parametrize(("body", "status", "code"), PARSED_OBJECTS.values(), ids=PARSED_OBJECTS)
async def test_hostile_event_in_a_batch_is_rejected_alone(
    ingest_client: httpx.AsyncClient, questlog: Questlog, body: str, status: int, code: str
) -> None:
    batch = '{"events":[' + compact(bill_vote(event_id="good")) + "," + body + "]}"

    response = await post_raw(ingest_client, BATCH, batch)

    assert response.status_code == 200, response.text[:500]
    data = response.json()["data"]
    assert [(r["index"], r["code"]) for r in data["rejections"]] == [(1, code)]
    assert [e["_id"] for e in await stored_events(questlog)] == ["good"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("[]", 422, "invalid_batch"),
        ("null", 422, "invalid_batch"),
        ('{"events": {"0": {}}}', 422, "invalid_batch"),
        ('{"events": [], "\\ud800": 1}', 422, "invalid_batch"),
        ('{"events": ' + DEEP_LISTS + "}", 400, "malformed_json"),
        (b'{"events": ["\xff\xfe"]}', 400, "malformed_json"),
    ],
    ids=["list", "null", "events-object", "surrogate-key", "nested-100000", "not-utf8"],
)
async def test_hostile_batch_is_answered_with_an_error_envelope(
    ingest_client: httpx.AsyncClient, body: str | bytes, status: int, code: str
) -> None:
    error_of(await post_raw(ingest_client, BATCH, body), status, code)


async def test_stored_events_render_back_as_json(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient
) -> None:
    body = in_data('{"max": 9223372036854775807, "float": 1.5e308, '
                   '"text": "\\u00e9\\ud83d\\ude00"}')

    response = await post_raw(ingest_client, EVENTS, body)
    assert response.status_code == 202, response.text

    [item] = (await read_client.get(EVENTS)).json()["data"]
    assert item["data"]["value"] == {"max": 2**63 - 1, "float": 1.5e308, "text": "é😀"}
