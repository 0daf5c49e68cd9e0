"""The achievements API: progress moments after playing, listing, redeem, stats, lag."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from achievements_http import (
    ACHIEVEMENTS,
    NOW,
    PROGRESS,
    REDEEM,
    bearer,
    lobby,
    play,
    player_token,
    votes,
    with_definitions,
)
from conftest import INGEST_KEY, READ_KEY, empty_database, iso
from events_http import data_of, error_of

from questlog.api.app import create_app
from questlog.bootstrap import Questlog
from questlog.settings import Settings


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return with_definitions(settings, tmp_path)


async def test_a_player_sees_an_unlock_moments_after_playing_with_their_own_token(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    events = votes("player-1", ["b1", "b2", "b3"])
    await play(ingest_client, questlog, events)
    token = await player_token(admin_client, "player-1")

    response = await admin_client.get(PROGRESS, params={"achievement_id": "well_read"},
                                      headers=bearer(token))

    assert data_of(response) == {
        "achievement_id": "well_read", "value": 3, "threshold": 3, "percent": 100.0,
        "tier": None, "unlocked": True, "unlocked_at": events[2]["occurred_at"],
        "redeemed": False, "times": 1, "tiers": [],
    }


async def test_tiers_show_the_highest_reached_and_the_next_threshold(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    at = iso(NOW - timedelta(days=1))
    await play(ingest_client, questlog, [lobby(spend=80.0, occurred_at=at),
                                         lobby(spend=70.0, occurred_at=at)])

    progress = data_of(await read_client.get(
        PROGRESS, params={"user_id": "player-1", "achievement_id": "big_spender"}))

    assert (progress["value"], progress["tier"], progress["threshold"]) == (150, "bronze", 500)
    assert progress["percent"] == 30.0
    assert [(t["name"], t["unlocked_at"]) for t in progress["tiers"]] == [
        ("bronze", at), ("silver", None), ("gold", None)]


async def test_the_list_hides_hidden_achievements_until_that_player_unlocked_them(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await play(ingest_client, questlog,
               votes("player-1", ["b1", "b2", "b3"]) + votes("player-2", ["b1"]))

    async def listed(**params: str) -> dict[str, dict]:
        items = data_of(await read_client.get(ACHIEVEMENTS, params=params))
        return {item["id"]: item for item in items}

    assert list(await listed()) == ["first_vote", "big_spender", "well_read"]
    assert "statesman" not in await listed(user_id="player-2")
    mine = await listed(user_id="player-1")
    assert mine["statesman"]["progress"]["unlocked"] is True
    assert mine["statesman"]["reward"] == "a seat at the table"
    assert mine["first_vote"]["progress"]["value"] == 3
    assert (await listed())["big_spender"]["progress"] is None  # no player, no progress


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"user_id": "player-1", "achievement_id": "nope"}, 404, "not_found"),
        ({"user_id": "player-1", "achievement_id": "statesman"}, 404, "not_found"),  # hidden
        ({"achievement_id": "well_read"}, 422, "invalid_query"),  # a key must name the player
        ({"user_id": "player-1"}, 422, "invalid_query"),
    ],
    ids=["unknown", "hidden-and-locked", "no-user", "no-achievement"],
)
async def test_progress_errors(
    read_client: httpx.AsyncClient, params: dict[str, str], status: int, code: str
) -> None:
    error_of(await read_client.get(PROGRESS, params=params), status, code)


async def test_a_reward_is_redeemed_once_and_only_once_unlocked(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    body = {"user_id": "player-1", "achievement_id": "first_vote"}
    error_of(await admin_client.post(REDEEM, json=body), 422, "not_unlocked")
    await play(ingest_client, questlog, votes("player-1", ["b1"]))

    redeemed = data_of(await admin_client.post(REDEEM, json=body))

    assert (redeemed["reward"], redeemed["count"]) == ("a badge", 1)
    error_of(await admin_client.post(REDEEM, json=body), 409, "already_redeemed")
    progress = data_of(await admin_client.get(PROGRESS, params=body))
    assert progress["redeemed"] is True


@pytest.mark.parametrize(
    ("achievement_id", "status", "code"),
    [("big_spender", 422, "no_reward"), ("nope", 404, "not_found"),
     ("statesman", 404, "not_found")],
    ids=["no-reward", "unknown", "hidden-and-locked"],
)
async def test_redeem_of_what_has_no_reward_or_is_hidden_is_refused(
    admin_client: httpx.AsyncClient, achievement_id: str, status: int, code: str
) -> None:
    response = await admin_client.post(
        REDEEM, json={"user_id": "player-1", "achievement_id": achievement_id})

    error_of(response, status, code)


async def test_a_malformed_redeem_is_a_422(admin_client: httpx.AsyncClient) -> None:
    error_of(await admin_client.post(REDEEM, json={"user_id": "player-1"}), 422, "invalid_body")


async def test_stats_give_the_share_of_active_players_who_unlocked_each(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await play(ingest_client, questlog, [
        *votes("player-1", ["b1", "b2", "b3"], days_ago=1),
        *votes("player-2", ["b1"], days_ago=2),
        *votes("player-3", ["b1", "b2", "b3"], days_ago=20),  # not active in the last 7 days
    ])

    stats = data_of(await read_client.get(f"{ACHIEVEMENTS}/stats", params={"days": 7}))

    assert stats["active_players"] == 2
    shares = {a["achievement_id"]: (a["unlocked"], a["share"]) for a in stats["achievements"]}
    assert shares == {"first_vote": (2, 1.0), "big_spender": (0, 0.0), "well_read": (1, 0.5),
                      "statesman": (1, 0.5)}


async def test_status_shows_the_evaluation_lag(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await play(ingest_client, questlog, votes("player-1", ["b1", "b2"]))

    status = data_of(await read_client.get(f"{ACHIEVEMENTS}/status"))

    assert (status["pending"], status["oldest_pending_received_at"]) == (0, None)
    assert status["evaluated"] == 2
    assert status["unlocks"] == 1


async def test_an_admin_issues_a_player_token_that_expires(
    admin_client: httpx.AsyncClient, read_client: httpx.AsyncClient, settings: Settings
) -> None:
    issued = data_of(await admin_client.post("/api/v1/players/player-1/token"))

    expires = datetime.fromisoformat(issued["expires_at"])
    assert abs(expires - NOW - timedelta(hours=settings.player_token_ttl_hours)) < timedelta(
        minutes=5)
    assert issued["token"].startswith("qlp1.")
    error_of(await read_client.post("/api/v1/players/player-1/token"), 403, "forbidden")


async def test_a_process_without_the_evaluator_leaves_events_pending_and_shows_the_lag(
    settings: Settings,
) -> None:
    empty_database(settings)
    app = create_app(settings.model_copy(update={"achievements_evaluator": False}))
    async with app.router.lifespan_context(app):
        reader = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://q",
                                   headers={"Authorization": f"Bearer {READ_KEY}"})
        writer = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://q",
                                   headers={"Authorization": f"Bearer {INGEST_KEY}"})
        async with reader, writer:
            data_of(await writer.post("/api/v1/events/batch",
                                      json={"events": votes("player-1", ["b1", "b2"])}))
            await app.state.questlog.bus.drain()
            status = data_of(await reader.get(f"{ACHIEVEMENTS}/status"))
            progress = data_of(await reader.get(
                PROGRESS, params={"user_id": "player-1", "achievement_id": "first_vote"}))

    assert (status["pending"], status["evaluated"]) == (2, 0)
    assert status["oldest_pending_received_at"] is not None
    assert progress["unlocked"] is False


async def test_the_evaluator_never_writes_the_raw_events(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await play(ingest_client, questlog, votes("player-1", ["b1"]))

    [item] = data_of(await read_client.get("/api/v1/events"))

    events = questlog.store.database["events"]
    assert await events.count_documents({"evaluated_at": {"$exists": True}}) == 0
    assert "evaluated_at" not in item
    assert (await questlog.achievements.evaluator.lag()).pending == 0


async def test_a_sum_past_the_largest_number_reads_back_as_json(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await play(ingest_client, questlog, [lobby(spend=1e308), lobby(spend=1e308)])

    progress = data_of(await read_client.get(
        PROGRESS, params={"user_id": "player-1", "achievement_id": "big_spender"}))

    assert (progress["value"], progress["tier"], progress["unlocked"]) == (None, "gold", True)
