"""GET /api/v1/events: filters, time range, newest first, pagination, the read scope."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

import httpx
import pytest
from conftest import bill_vote, iso
from events_http import EVENTS, data_of, error_of, post_batch

# Midnight UTC two days ago: every seeded time is in the past and on that one day.
DAY = datetime.combine(datetime.now(UTC).date() - timedelta(days=2), time(), UTC)


def at(hours: int) -> datetime:
    return DAY + timedelta(hours=hours)


@pytest.fixture
async def seeded(ingest_client: httpx.AsyncClient) -> None:
    events = [
        bill_vote(event_id="e1", user_id="u1", company_id="c1", session_id="s1",
                  occurred_at=iso(at(1))),
        bill_vote(event_id="e2", user_id="u2", company_id="c1", occurred_at=iso(at(2))),
        {"type": "retry", "event_id": "e3", "user_id": "u1", "company_id": "c2",
         "session_id": "s1", "occurred_at": iso(at(3)), "data": {"attempt": 2}},
        {"type": "SESSION_CREATED", "event_id": "e4", "user_id": "u3", "session_id": "s2",
         "occurredAt": iso(at(4))},
        bill_vote(event_id="e5", user_id="u1", company_id="c2"),  # no occurred_at: received now
    ]
    assert data_of(await post_batch(ingest_client, events))["accepted"] == 5


async def listed(client: httpx.AsyncClient, **params: Any) -> list[str]:
    return [item["event_id"] for item in data_of(await client.get(EVENTS, params=params))]


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["e5", "e4", "e3", "e2", "e1"]),
        ({"type": "BILL_VOTE"}, ["e5", "e2", "e1"]),
        ({"user_id": "u1"}, ["e5", "e3", "e1"]),
        ({"company_id": "c1"}, ["e2", "e1"]),
        ({"session_id": "s1"}, ["e3", "e1"]),
        ({"type": "BILL_VOTE", "user_id": "u1", "company_id": "c2"}, ["e5"]),
        ({"type": "NO_SUCH_TYPE"}, []),
        ({"from": iso(at(2)), "to": iso(at(4))}, ["e3", "e2"]),
        ({"from": iso(at(4))}, ["e5", "e4"]),
        ({"to": iso(at(2))}, ["e1"]),
        ({"from": DAY.date().isoformat(), "to": (DAY.date() + timedelta(days=1)).isoformat()},
         ["e4", "e3", "e2", "e1"]),
        ({"from": at(4).astimezone(timezone(timedelta(hours=2))).isoformat()}, ["e5", "e4"]),
        ({"from": at(4).replace(tzinfo=None).isoformat()}, ["e5", "e4"]),
        ({"user_id": "u1", "from": iso(at(2)), "to": iso(at(24))}, ["e3"]),
    ],
    ids=["all", "type", "user", "company", "session", "combined", "unknown-type", "range",
         "from", "to", "dates", "offset", "no-zone-is-utc", "user-and-range"],
)
async def test_filters_select_the_matching_events_newest_first(
    read_client: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    assert await listed(read_client, **params) == expected


@pytest.mark.usefixtures("seeded")
async def test_item_carries_the_envelope_and_its_type_fields(
    read_client: httpx.AsyncClient,
) -> None:
    [item] = data_of(await read_client.get(EVENTS, params={"user_id": "u2"}))

    assert {k: item[k] for k in ("event_id", "type", "schema_version", "user_id", "company_id",
                                 "session_id", "bill_id", "stance", "seat_weight")} == {
        "event_id": "e2", "type": "BILL_VOTE", "schema_version": 1, "user_id": "u2",
        "company_id": "c1", "session_id": None, "bill_id": "bill-7", "stance": "yea",
        "seat_weight": 1.5,
    }
    assert datetime.fromisoformat(item["occurred_at"]) == at(2)
    assert datetime.fromisoformat(item["received_at"]) > at(2)
    assert "_id" not in item
    assert "ingest_id" not in item


@pytest.mark.usefixtures("seeded")
async def test_pages_split_the_list_and_meta_tells_the_total(
    read_client: httpx.AsyncClient,
) -> None:
    pages = []
    for page in (1, 2, 3, 4):
        response = await read_client.get(EVENTS, params={"page": page, "page_size": 2})
        body = response.json()
        assert {k: v for k, v in body["meta"].items() if k != "next_after"} == {
            "page": page, "page_size": 2, "total": 5
        }
        assert (body["meta"]["next_after"] is None) == (page >= 3)  # a cursor while more follow
        pages.append([item["event_id"] for item in body["data"]])

    assert pages == [["e5", "e4"], ["e3", "e2"], ["e1"], []]


@pytest.mark.usefixtures("seeded")
async def test_total_counts_the_filtered_events(read_client: httpx.AsyncClient) -> None:
    response = await read_client.get(EVENTS, params={"type": "BILL_VOTE", "page_size": 1})

    assert response.json()["meta"]["total"] == 3
    assert len(response.json()["data"]) == 1


async def test_default_page_is_the_first_hundred(read_client: httpx.AsyncClient) -> None:
    assert (await read_client.get(EVENTS)).json()["meta"] == {
        "page": 1, "page_size": 100, "total": 0, "next_after": None
    }


async def test_page_size_of_1000_is_allowed(read_client: httpx.AsyncClient) -> None:
    assert data_of(await read_client.get(EVENTS, params={"page_size": 1000})) == []


@pytest.mark.parametrize(
    "params",
    [{"page_size": 1001}, {"page_size": 0}, {"page": 0}, {"page": "first"},
     {"from": "last tuesday"}, {"to": "2024-13-45"}, {"from": "0001-01-01T00:00:00+01:00"},
     {"to": "9999-12-31T23:59:59-01:00"}, {"from": "2026"}, {"to": "1700000000"},
     {"from": "0.5"}],
    ids=["page-size-over-1000", "page-size-0", "page-0", "page-text", "from-text", "bad-date",
         "before-year-1-in-utc", "after-year-9999-in-utc", "year-alone", "unix-time",
         "a-number"],
)
async def test_bad_query_is_answered_422_with_the_parameter(
    read_client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    error = error_of(await read_client.get(EVENTS, params=params), 422, "invalid_query")

    [name] = params
    assert any(name in d["field"] for d in error["details"])


async def test_reading_needs_the_read_scope(
    ingest_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient,
    admin_client: httpx.AsyncClient,
) -> None:
    error_of(await ingest_client.get(EVENTS), 403, "forbidden")
    error_of(await anonymous_client.get(EVENTS), 401, "unauthorized")
    data_of(await admin_client.get(EVENTS))
