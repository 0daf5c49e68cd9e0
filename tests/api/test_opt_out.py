"""Opt-out (seed 002: dropped server-side): not stored, not quarantined, not evaluated, counted."""

from __future__ import annotations

import httpx
from conftest import bill_vote
from events_http import BATCH, EVENTS, data_of, error_of, quarantined, stored_events
from privacy_http import PLAYERS, bearer, token_for

from questlog.bootstrap import Questlog


async def test_an_opted_out_players_events_are_dropped_and_counted(
    admin_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    state = data_of(await admin_client.post(f"{PLAYERS}/player-1/opt-out"))
    events = [bill_vote(event_id="gone"), bill_vote(event_id="kept", user_id="player-2"),
              {"type": "NOT_A_TYPE", "user_id": "player-1"}]

    result = data_of(await ingest_client.post(BATCH, json={"events": events}))

    assert state == {"user_id": "player-1", "opted_out": True, "erased": False}
    assert (result["accepted"], result["opted_out"], result["rejected"]) == (1, 1, 1)
    assert [e["_id"] for e in await stored_events(questlog)] == ["kept"]
    assert [q["code"] for q in await quarantined(questlog)] == ["unknown_event_type"]


async def test_one_event_of_an_opted_out_player_is_not_an_error(
    admin_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await admin_client.post(f"{PLAYERS}/player-1/opt-out")

    answer = await ingest_client.post(EVENTS, json=bill_vote())

    assert answer.status_code == 202
    assert (answer.json()["data"]["accepted"], answer.json()["data"]["opted_out"]) == (0, 1)
    assert await stored_events(questlog) == []


async def test_opting_in_again_stores_the_players_events(
    admin_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await admin_client.post(f"{PLAYERS}/player-1/opt-out")
    await ingest_client.post(EVENTS, json=bill_vote(event_id="before"))
    state = data_of(await admin_client.post(f"{PLAYERS}/player-1/opt-in"))
    await ingest_client.post(EVENTS, json=bill_vote(event_id="after"))

    assert state["opted_out"] is False
    assert [e["_id"] for e in await stored_events(questlog)] == ["after"]


async def test_a_player_opts_out_with_their_own_token_and_not_for_another(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    token = await token_for(admin_client, "player-1", "ingest")

    own = await anonymous_client.post(f"{PLAYERS}/player-1/opt-out", headers=bearer(token))
    other = await anonymous_client.post(f"{PLAYERS}/player-2/opt-out", headers=bearer(token))

    assert data_of(own)["opted_out"] is True
    error_of(other, 403, "forbidden")


async def test_an_ingest_key_cannot_opt_a_player_out(ingest_client: httpx.AsyncClient) -> None:
    error_of(await ingest_client.post(f"{PLAYERS}/player-1/opt-out"), 403, "forbidden")


async def test_an_opted_out_players_events_are_not_evaluated(
    admin_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await admin_client.post(f"{PLAYERS}/player-1/opt-out")
    await ingest_client.post(BATCH, json={"events": [bill_vote(), bill_vote()]})
    await questlog.bus.drain()

    progress = await questlog.store.database["player_progress"].find_one({"_id": "player-1"})

    assert progress is None
