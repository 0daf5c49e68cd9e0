"""Seed 003's reference checks: known bills, and momentum shifts resting on a poll that moved."""

from __future__ import annotations

from typing import Any

import httpx
from conftest import bill_vote
from events_http import BATCH, data_of, error_of

BILLS = "/api/v1/reference/bills"


def poll(margin: float, poll_id: str = "poll-1") -> dict[str, Any]:
    return {"type": "POLL_INTERVAL", "poll_id": poll_id, "leading_candidate": "ana",
            "margin": margin, "moe": 2.0}


def shift(poll_id: str | None = "poll-1") -> dict[str, Any]:
    event: dict[str, Any] = {"type": "MOMENTUM_SHIFT", "momentum_from": 0.1, "momentum_to": 0.3}
    return event | ({"poll_id": poll_id} if poll_id else {})


def codes(result: dict[str, Any]) -> list[tuple[int, str]]:
    return [(r["index"], r["code"]) for r in result["rejections"]]


async def test_while_bills_are_loaded_a_vote_for_an_unknown_bill_is_rejected(
    admin_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient
) -> None:
    loaded = data_of(await admin_client.put(BILLS, json={"bill_ids": ["bill-7", "bill-8"]}))
    result = data_of(await ingest_client.post(BATCH, json={"events": [
        bill_vote(bill_id="bill-7"), bill_vote(bill_id="bill-99")]}))

    assert loaded == {"bill_ids": ["bill-7", "bill-8"]}
    assert codes(result) == [(1, "unknown_reference")]


async def test_with_no_bills_loaded_any_bill_is_accepted(
    admin_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient
) -> None:
    await admin_client.put(BILLS, json={"bill_ids": ["bill-7"]})
    await admin_client.put(BILLS, json={"bill_ids": []})

    result = data_of(await ingest_client.post(BATCH, json={"events": [
        bill_vote(bill_id="bill-99")]}))

    assert result["accepted"] == 1


async def test_a_momentum_shift_needs_its_poll_stored_with_a_moved_margin(
    ingest_client: httpx.AsyncClient,
) -> None:
    await ingest_client.post(BATCH, json={"events": [poll(2.0), poll(2.0, "still"),
                                                     poll(2.0, "still")]})
    before = data_of(await ingest_client.post(BATCH, json={"events": [shift()]}))
    await ingest_client.post(BATCH, json={"events": [poll(3.5)]})

    after = data_of(await ingest_client.post(BATCH, json={"events": [
        shift(), shift("still"), shift("never-polled"), shift(None)]}))

    assert codes(before) == [(0, "unsupported_momentum")]
    assert after["accepted"] == 2
    assert codes(after) == [(1, "unsupported_momentum"), (2, "unsupported_momentum")]


async def test_a_poll_in_the_same_batch_supports_the_shift(
    ingest_client: httpx.AsyncClient,
) -> None:
    result = data_of(await ingest_client.post(BATCH, json={"events": [
        poll(1.0), poll(4.0), shift()]}))

    assert result["accepted"] == 3


async def test_loading_bills_needs_the_admin_scope(read_client: httpx.AsyncClient) -> None:
    error_of(await read_client.put(BILLS, json={"bill_ids": ["b"]}), 403, "forbidden")
    assert data_of(await read_client.get(BILLS)) == {"bill_ids": []}
