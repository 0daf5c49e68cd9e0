"""Pseudonymous players (seed 002: analytics_player_id = sha256(player_uuid + salt)) and
the region without the address (seed 002: derive it from the IP, then drop the IP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from conftest import bill_vote
from events_http import BATCH, EVENTS, data_of, error_of, stored_events
from privacy_http import PLAYERS, bearer, token_for

from questlog.access.pseudonyms import Pseudonyms
from questlog.bootstrap import Questlog
from questlog.settings import Settings

DEBATE = {"type": "DEBATE_RESULT", "user_id": "player-1", "debate_id": "d-1",
          "persuasion_score": 50.0, "participants": ["player-1", "player-2"]}


async def everything_stored(questlog: Questlog) -> str:
    database = questlog.store.database
    dump = {name: await database[name].find({}).to_list(None)
            for name in await database.list_collection_names()}
    return json.dumps(dump, default=str)


class TestPseudonyms:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"pseudonymize": True, "player_id_secret": "s3cret"})

    async def test_the_store_never_holds_a_raw_player_id(
        self, ingest_client: httpx.AsyncClient, questlog: Questlog
    ) -> None:
        await ingest_client.post(BATCH, json={"events": [
            bill_vote(), DEBATE, {**bill_vote(), "seat_weight": -1.0}]})
        await questlog.bus.drain()

        stored = await stored_events(questlog)
        dump = await everything_stored(questlog)

        assert {e["user_id"] for e in stored} == {questlog.access.player_id("player-1")}
        assert "player-1" not in dump
        assert "player-2" not in dump

    async def test_every_id_naming_a_player_is_replaced(
        self, ingest_client: httpx.AsyncClient, questlog: Questlog
    ) -> None:
        await ingest_client.post(EVENTS, json=DEBATE)

        (debate,) = await stored_events(questlog)

        ids = questlog.access.player_id
        assert debate["participants"] == [ids("player-1"), ids("player-2")]

    async def test_a_player_token_and_api_paths_take_the_raw_id(
        self, admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient,
        questlog: Questlog,
    ) -> None:
        token = await token_for(admin_client, "player-1", "ingest")

        mine = await anonymous_client.post(EVENTS, json=bill_vote(), headers=bearer(token))
        theirs = await anonymous_client.post(EVENTS, json=bill_vote(user_id="player-2"),
                                             headers=bearer(token))
        receipt = data_of(await admin_client.delete(f"{PLAYERS}/player-1"))

        assert mine.status_code == 202
        error_of(theirs, 403, "forbidden")
        assert receipt["removed"]["events"] == 1
        assert await stored_events(questlog) == []

    async def test_an_export_carries_ids_rekeyed_for_the_month(
        self, admin_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient,
        questlog: Questlog,
    ) -> None:
        await ingest_client.post(EVENTS, json=bill_vote())

        answer = await admin_client.get(f"{PLAYERS}/player-1/export")
        lines: list[dict[str, Any]] = [json.loads(line) for line in answer.text.splitlines()]

        month_id = questlog.access.pseudonyms.outbound(questlog.access.player_id("player-1"),
                                                       at=datetime.now(UTC))
        assert lines[0]["user_id"] == month_id
        assert [e["user_id"] for e in lines if e["kind"] == "events"] == [month_id]
        assert questlog.access.player_id("player-1") not in answer.text

    async def test_no_stored_pseudonym_leaves_in_an_export_at_any_depth(
        self, admin_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient,
        questlog: Questlog,
    ) -> None:
        today = datetime.now(UTC).date().isoformat()
        await ingest_client.post(BATCH, json={"events": [
            bill_vote(), DEBATE, {**bill_vote(), "seat_weight": -1.0}]})
        await questlog.bus.drain()
        rollup = await admin_client.post("/api/v1/jobs/rollup",
                                         json={"from": today, "to": today})
        assert rollup.status_code == 200, rollup.text

        answer = await admin_client.get(f"{PLAYERS}/player-1/export")
        lines: list[dict[str, Any]] = [json.loads(line) for line in answer.text.splitlines()]

        ids, month = questlog.access.player_id, datetime.now(UTC)
        mine = questlog.access.pseudonyms.outbound(ids("player-1"), at=month)
        (day,) = [line for line in lines if line["kind"] == "daily_stats"]
        assert day["types"]["BILL_VOTE"]["users"] == [mine]
        assert day["id"] == f"user/{mine}/{today}"
        assert {"rejected_events", "events"} <= {line["kind"] for line in lines}
        assert ids("player-1") not in answer.text
        assert ids("player-2") not in answer.text  # the other debater's pseudonym neither


def test_two_months_exports_cannot_be_joined_and_the_stored_id_is_stable() -> None:
    ids = Pseudonyms(secret="s3cret", enabled=True)
    stored = ids.player("player-1")

    november = ids.outbound(stored, at=datetime(2026, 11, 30, tzinfo=UTC))
    december = ids.outbound(stored, at=datetime(2026, 12, 1, tzinfo=UTC))

    assert stored == ids.player("player-1") != Pseudonyms(secret="other", enabled=True).player(
        "player-1")
    assert november != december
    assert Pseudonyms(secret="s3cret", enabled=False).player("player-1") == "player-1"


def test_rekeying_reaches_every_depth_and_leaves_other_text_alone() -> None:
    ids, month = Pseudonyms(secret="s3cret", enabled=True), datetime(2026, 12, 5, tzinfo=UTC)
    stored = ids.player("player-1")
    out = ids.outbound(stored, at=month)

    rekeyed = ids.rekeyed({"_id": f"user/{stored}/2026-12-05", "n": 3, "raw": b"x",
                           "types": {"BILL_VOTE": {"users": [stored, "cp_1"]}},
                           "by_player": {stored: [(stored, "stance")]}}, at=month)

    assert rekeyed == {"_id": f"user/{out}/2026-12-05", "n": 3, "raw": b"x",
                       "types": {"BILL_VOTE": {"users": [out, "cp_1"]}},
                       "by_player": {out: [[out, "stance"]]}}


class TestRegion:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"trusted_proxies": "127.0.0.1"})

    async def test_the_country_is_stored_and_the_address_is_not(
        self, ingest_client: httpx.AsyncClient, questlog: Questlog
    ) -> None:
        await ingest_client.post(EVENTS, json=bill_vote(),
                                 headers={"X-Forwarded-For": "8.8.8.8, 10.0.0.1"})

        (event,) = await stored_events(questlog)

        assert event["country"] == "US"
        assert "8.8.8.8" not in await everything_stored(questlog)

    async def test_a_private_address_has_no_country(
        self, ingest_client: httpx.AsyncClient, questlog: Questlog
    ) -> None:
        await ingest_client.post(EVENTS, json=bill_vote())

        (event,) = await stored_events(questlog)

        assert "country" not in event


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await ingest_client.post(EVENTS, json=bill_vote(), headers={"X-Forwarded-For": "8.8.8.8"})

    (event,) = await stored_events(questlog)

    assert "country" not in event


class TestRegionOff:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"trusted_proxies": "127.0.0.1", "geoip": False})

    async def test_with_geoip_off_no_country_is_derived(
        self, ingest_client: httpx.AsyncClient, questlog: Questlog
    ) -> None:
        await ingest_client.post(EVENTS, json=bill_vote(), headers={"X-Forwarded-For": "8.8.8.8"})

        (event,) = await stored_events(questlog)

        assert questlog.access.geo is None
        assert "country" not in event
