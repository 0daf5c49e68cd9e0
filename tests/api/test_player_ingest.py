"""Player tokens with scopes (seed 001: a user submits events only for their own sessions)."""

from __future__ import annotations

import httpx
from conftest import bill_vote
from events_http import BATCH, EVENTS, data_of, error_of, quarantined, stored_events
from privacy_http import PLAYERS, bearer, token_for

from questlog.bootstrap import Questlog


async def test_an_ingest_token_writes_its_players_events_and_fills_in_a_missing_user_id(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    token = await token_for(admin_client, "player-1", "ingest")
    events = [bill_vote(event_id="mine"), {**bill_vote(event_id="unnamed"), "user_id": None}]
    del events[1]["user_id"]

    result = data_of(await anonymous_client.post(BATCH, json={"events": events},
                                                 headers=bearer(token)))

    assert (result["accepted"], result["rejected"]) == (2, 0)
    assert {e["_id"]: e["user_id"] for e in await stored_events(questlog)} == {
        "mine": "player-1", "unnamed": "player-1"}


async def test_an_ingest_token_cannot_write_another_players_events(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    token = await token_for(admin_client, "player-1", "ingest")
    events = [bill_vote(event_id="mine"), bill_vote(event_id="theirs", user_id="player-2")]

    result = data_of(await anonymous_client.post(BATCH, json={"events": events},
                                                 headers=bearer(token)))

    assert result["accepted"] == 1
    assert [(r["index"], r["code"]) for r in result["rejections"]] == [(1, "forbidden")]
    assert [e["_id"] for e in await stored_events(questlog)] == ["mine"]
    assert [q["code"] for q in await quarantined(questlog)] == ["forbidden"]


async def test_one_event_for_another_player_answers_403(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    token = await token_for(admin_client, "player-1", "ingest")

    answer = await anonymous_client.post(EVENTS, json=bill_vote(user_id="player-2"),
                                         headers=bearer(token))

    error_of(answer, 403, "forbidden")


async def test_a_session_first_seen_with_another_player_is_not_owned(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    first = data_of(await ingest_client.post(BATCH, json={"events": [
        bill_vote(event_id="a", session_id="s-1", user_id="player-1")]}))
    second = data_of(await ingest_client.post(BATCH, json={"events": [
        bill_vote(event_id="b", session_id="s-1", user_id="player-2"),
        bill_vote(event_id="c", session_id="s-1", user_id="player-1"),
        bill_vote(event_id="d", session_id="s-2", user_id="player-2"),
    ]}))

    assert first["accepted"] == 1
    assert [(r["index"], r["code"]) for r in second["rejections"]] == [(0, "session_not_owned")]
    assert [e["_id"] for e in await stored_events(questlog)] == ["a", "c", "d"]


async def test_a_read_token_cannot_ingest_and_an_ingest_token_cannot_read(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    reader = await token_for(admin_client, "player-1")
    writer = await token_for(admin_client, "player-1", "ingest")

    write = await anonymous_client.post(EVENTS, json=bill_vote(), headers=bearer(reader))
    read = await anonymous_client.get("/api/v1/achievements", headers=bearer(writer))

    error_of(write, 403, "forbidden")
    error_of(read, 403, "forbidden")


async def test_a_token_with_both_scopes_reads_and_writes(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    token = await token_for(admin_client, "player-1", "read", "ingest")

    write = await anonymous_client.post(EVENTS, json=bill_vote(), headers=bearer(token))
    read = await anonymous_client.get("/api/v1/achievements", headers=bearer(token))

    assert (write.status_code, read.status_code) == (202, 200)


async def test_an_ingest_token_never_reads_raw_events(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    token = await token_for(admin_client, "player-1", "read", "ingest")

    answer = await anonymous_client.get(EVENTS, headers=bearer(token))

    error_of(answer, 403, "forbidden")


async def test_revoking_a_players_tokens_refuses_them_and_spares_others(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    revoked = await token_for(admin_client, "player-1", "ingest")
    other = await token_for(admin_client, "player-2", "ingest")

    data_of(await admin_client.delete(f"{PLAYERS}/player-1/tokens"))
    refused = await anonymous_client.post(EVENTS, json=bill_vote(), headers=bearer(revoked))
    spared = await anonymous_client.post(EVENTS, json=bill_vote(user_id="player-2"),
                                         headers=bearer(other))

    assert "revoked" in error_of(refused, 401, "unauthorized")["message"]
    assert spared.status_code == 202


async def test_unknown_scopes_are_refused(admin_client: httpx.AsyncClient) -> None:
    answer = await admin_client.post(f"{PLAYERS}/player-1/token", json={"scopes": ["admin"]})

    error_of(answer, 422, "invalid_body")


async def test_session_ownership_expires_with_the_events_it_guards(questlog: Questlog) -> None:
    indexes = await questlog.store.database["session_owners"].index_information()

    (ttl,) = [i for i in indexes.values() if "expireAfterSeconds" in i]

    assert ttl["key"] == [("first_seen", 1)]
    assert ttl["expireAfterSeconds"] == (14 + 30) * 86_400
