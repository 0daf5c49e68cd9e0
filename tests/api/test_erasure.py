"""Erasure and export (seed 001's GDPR purge, seed 002's data-subject requests) over HTTP:
an erased player leaves no trace, not even in the aggregates."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import bill_vote, iso
from events_http import BATCH, EVENTS, data_of, error_of, quarantined, stored_events
from privacy_http import PLAYERS, bearer, token_for

from questlog.achievements import watermark
from questlog.achievements.documents import WATERMARKS
from questlog.bootstrap import Questlog
from questlog.settings import Settings

NOW = datetime.now(UTC).replace(microsecond=0)
DAYS = [NOW - timedelta(days=2), NOW - timedelta(days=1)]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"min_company_n": 1})


def played() -> list[dict[str, Any]]:
    """Two players of one company, two days each, the first with a session."""
    return [bill_vote(user_id=user, occurred_at=iso(day), session_id=f"s-{user}")
            for user in ("player-1", "player-2") for day in DAYS for _ in range(2)]


async def rollup(admin: httpx.AsyncClient) -> None:
    span = {"from": DAYS[0].date().isoformat(), "to": NOW.date().isoformat()}
    assert (await admin.post("/api/v1/jobs/rollup", json=span)).status_code == 200


async def daily(client: httpx.AsyncClient, **query: str) -> list[dict[str, Any]]:
    params = {"type": "BILL_VOTE", "from": DAYS[0].date().isoformat(), **query}
    items: list[dict[str, Any]] = data_of(await client.get("/api/v1/stats", params=params))
    return items


@pytest.fixture
async def erased(admin_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient,
                 questlog: Questlog) -> dict[str, Any]:
    assert data_of(await ingest_client.post(BATCH, json={"events": played()}))["accepted"] == 8
    await ingest_client.post(EVENTS, json={"type": "BILL_VOTE", "user_id": "player-1"})  # invalid
    await questlog.bus.drain()
    await admin_client.post("/api/v1/sessions/s-player-1/close")
    assert await questlog.store.database["sessions"].find_one({"_id": "s-player-1"})
    await rollup(admin_client)
    receipt: dict[str, Any] = data_of(await admin_client.delete(f"{PLAYERS}/player-1"))
    return receipt


async def test_an_erased_players_events_progress_and_quarantine_are_gone(
    erased: dict[str, Any], questlog: Questlog
) -> None:
    database = questlog.store.database

    assert {e["user_id"] for e in await stored_events(questlog)} == {"player-2"}
    assert await quarantined(questlog) == []
    assert await database["player_progress"].find_one({"_id": "player-1"}) is None
    assert await database["session_owners"].find_one({"user_id": "player-1"}) is None
    assert await database["sessions"].count_documents({"user_id": "player-1"}) == 0
    assert await database["sessions"].count_documents({"user_id": "player-2"}) == 1
    assert await database["daily_stats"].count_documents({"user_id": "player-1"}) == 0
    assert await database["weekly_stats"].count_documents({"user_id": "player-1"}) == 0


async def test_the_company_and_global_aggregates_no_longer_count_the_erased_player(
    erased: dict[str, Any], read_client: httpx.AsyncClient
) -> None:
    game = await daily(read_client)
    company = await daily(read_client, scope="company", company_id="company-1")

    for buckets in (game, company):
        assert [(b["count"], b["distinct_users"]) for b in buckets] == [(2, 1), (2, 1)]


async def test_an_erased_players_rate_limit_buckets_are_gone(
    settings: Settings, questlog: Questlog, admin_client: httpx.AsyncClient
) -> None:
    """The shared limiter's buckets name the player in their ids (player:<id>:<type>)."""
    buckets = questlog.store.database["rate_buckets"]
    later = NOW + timedelta(hours=1)
    await buckets.insert_many([
        {"_id": f"player:{user}:BILL_VOTE", "tokens": 1.0, "updated": 0.0, "expires_at": later}
        for user in ("player-1", "player-10", "player-2")])

    receipt = data_of(await admin_client.delete(f"{PLAYERS}/player-1"))

    assert receipt["removed"]["rate_buckets"] == 1
    assert sorted([d["_id"] async for d in buckets.find()]) == [
        "player:player-10:BILL_VOTE", "player:player-2:BILL_VOTE"]


async def test_the_ids_a_stopped_evaluator_kept_are_gone_with_the_player(
    questlog: Questlog, admin_client: httpx.AsyncClient
) -> None:
    """They may name the player's events (an event id is the client's): the next start
    reads the settle window whole instead."""
    watermarks = questlog.store.database[WATERMARKS]
    await watermark.keep_seen(watermarks, {"player-1:first-vote": NOW})

    data_of(await admin_client.delete(f"{PLAYERS}/player-1"))

    assert await watermarks.find_one({"_id": watermark.SEEN_KEY}) is None


async def test_the_receipt_says_what_was_removed_without_naming_the_player(
    erased: dict[str, Any],
) -> None:
    assert "player-1" not in json.dumps(erased)
    assert erased["player_hash"].startswith("r_")
    assert erased["removed"]["events"] == 4
    assert erased["removed"]["rejected_events"] == 1
    assert erased["removed"]["player_progress"] == 1
    assert erased["recomputed_days"] == sorted(d.date().isoformat() for d in DAYS)
    assert (erased["kept_days"], erased["repeated"]) == ([], False)


async def test_erasing_twice_removes_nothing_more_and_answers_the_first_receipt(
    erased: dict[str, Any], admin_client: httpx.AsyncClient
) -> None:
    again = data_of(await admin_client.delete(f"{PLAYERS}/player-1"))

    assert again["repeated"] is True
    assert {k: again[k] for k in ("removed", "erased_at", "player_hash")} == {
        k: erased[k] for k in ("removed", "erased_at", "player_hash")}


async def test_an_erased_players_late_events_and_tokens_are_dropped(
    erased: dict[str, Any], admin_client: httpx.AsyncClient,
    ingest_client: httpx.AsyncClient, questlog: Questlog,
) -> None:
    late = data_of(await ingest_client.post(BATCH, json={"events": [bill_vote()]}))

    assert (late["accepted"], late["opted_out"]) == (0, 1)
    assert {e["user_id"] for e in await stored_events(questlog)} == {"player-2"}


async def test_a_token_issued_before_the_erasure_is_revoked(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    token = await token_for(admin_client, "player-1", "ingest")
    await admin_client.delete(f"{PLAYERS}/player-1")

    answer = await anonymous_client.post(EVENTS, json=bill_vote(), headers=bearer(token))

    error_of(answer, 401, "unauthorized")


async def test_an_erased_players_sessions_are_free_at_once_for_another_player(
    erased: dict[str, Any], ingest_client: httpx.AsyncClient
) -> None:
    # This process had cached player-1 as the owner of s-player-1: erasure forgets it.
    event = bill_vote(user_id="player-2", session_id="s-player-1")

    answer = await ingest_client.post(EVENTS, json=event)

    assert answer.status_code == 202, answer.text


async def test_erasing_needs_the_admin_scope(read_client: httpx.AsyncClient) -> None:
    error_of(await read_client.delete(f"{PLAYERS}/player-1"), 403, "forbidden")


async def export_lines(admin: httpx.AsyncClient, user: str) -> list[dict[str, Any]]:
    answer = await admin.get(f"{PLAYERS}/{user}/export")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in answer.text.splitlines()]


async def test_the_export_streams_everything_held_about_the_player(
    admin_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await ingest_client.post(BATCH, json={"events": played()})
    await questlog.bus.drain()
    await asyncio.wait_for(questlog.achievements.evaluator.wait_idle(), timeout=10)
    await rollup(admin_client)

    lines = await export_lines(admin_client, "player-1")
    kinds = [line["kind"] for line in lines]

    assert kinds[0] == "export"
    assert kinds.count("events") == 4
    assert {"player_progress", "session_owners", "daily_stats"} <= set(kinds)
    assert "weekly_stats" not in kinds  # a player's weeks are merged from days when read
    assert all(e["user_id"] == "player-1" for e in lines if e["kind"] == "events")
    [progress] = [line for line in lines if line["kind"] == "player_progress"]
    assert progress["achievements"]["first_vote"]["value"] == 4  # entries as such, not packed


async def test_after_erasure_the_export_holds_only_the_erasure(
    erased: dict[str, Any], admin_client: httpx.AsyncClient
) -> None:
    lines = await export_lines(admin_client, "player-1")

    assert [line["kind"] for line in lines] == ["export", "player_flags"]
    assert lines[1]["erased_at"]
