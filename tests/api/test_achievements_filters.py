"""Seed 003's achievement reads: the list by category and ids, the progress of several
achievements at once, and a player token redeeming without naming itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from achievements_http import (
    ACHIEVEMENTS,
    PROGRESS,
    REDEEM,
    bearer,
    play,
    player_token,
    votes,
    with_definitions,
)
from events_http import data_of, error_of

from questlog.bootstrap import Questlog
from questlog.settings import Settings


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return with_definitions(settings, tmp_path)


@pytest.fixture
async def played(ingest_client: httpx.AsyncClient, questlog: Questlog) -> None:
    """player-1 unlocks first_vote, well_read and so the hidden statesman; player-2 nothing."""
    await play(ingest_client, questlog, votes("player-1", ["b1", "b2", "b3"]))


async def listed(client: httpx.AsyncClient, params: Any, **kwargs: Any) -> list[str]:
    return [a["id"] for a in data_of(await client.get(ACHIEVEMENTS, params=params, **kwargs))]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["first_vote", "big_spender", "well_read"]),
        ({"category": "voting"}, ["first_vote", "well_read"]),
        ({"category": "lobbying"}, ["big_spender"]),
        ({"ids": "well_read,first_vote"}, ["first_vote", "well_read"]),
        ([("ids", "well_read"), ("ids", "big_spender")], ["big_spender", "well_read"]),
        ([("ids", "well_read,big_spender"), ("ids", "first_vote")],
         ["first_vote", "big_spender", "well_read"]),
        ({"ids": "big_spender", "category": "voting"}, []),
        ({"ids": "first_vote,big_spender", "category": "voting"}, ["first_vote"]),
    ],
    ids=["all", "category", "other-category", "ids-comma-separated", "ids-repeated",
         "both-forms", "ids-outside-the-category", "ids-and-category"],
)
async def test_the_list_is_narrowed_by_category_and_ids_in_file_order(
    read_client: httpx.AsyncClient, params: Any, expected: list[str]
) -> None:
    assert await listed(read_client, params) == expected


async def test_each_achievement_shows_its_category(read_client: httpx.AsyncClient) -> None:
    items = data_of(await read_client.get(ACHIEVEMENTS))

    assert {a["id"]: a["category"] for a in items} == {
        "first_vote": "voting", "big_spender": "lobbying", "well_read": "voting",
    }


@pytest.mark.usefixtures("played")
async def test_a_hidden_achievement_is_listed_by_id_once_unlocked(
    read_client: httpx.AsyncClient,
) -> None:
    params = {"ids": "statesman", "user_id": "player-1"}
    [item] = data_of(await read_client.get(ACHIEVEMENTS, params=params))
    assert (item["id"], item["category"], item["progress"]["unlocked"]) == (
        "statesman", "general", True)

    error = error_of(await read_client.get(ACHIEVEMENTS, params={**params, "user_id": "player-2"}),
                     404, "not_found")
    assert "statesman" in error["message"]
    error_of(await read_client.get(ACHIEVEMENTS, params={"ids": "statesman"}), 404, "not_found")


@pytest.mark.parametrize(
    ("params", "status", "code", "named"),
    [
        ({"ids": "first_vote,nope,nada"}, 404, "not_found", "'nope', 'nada'"),
        ({"category": "votin"}, 422, "invalid_query", "'votin'"),
        ({"category": ""}, 422, "invalid_query", "category"),
        ({"ids": "first_vote,,well_read"}, 422, "invalid_query", "ids"),
        ({"ids": ",".join(f"a{i}" for i in range(101))}, 422, "invalid_query", "ids"),
    ],
    ids=["unknown-ids", "unknown-category", "empty-category", "empty-id", "over-100-ids"],
)
async def test_a_filter_that_cannot_match_is_refused_never_dropped(
    read_client: httpx.AsyncClient, params: dict[str, str], status: int, code: str, named: str
) -> None:
    error = error_of(await read_client.get(ACHIEVEMENTS, params=params), status, code)

    assert named in error["message"] + str(error["details"])


@pytest.mark.usefixtures("played")
async def test_progress_of_several_achievements_comes_in_the_order_asked(
    read_client: httpx.AsyncClient,
) -> None:
    for params in ({"achievement_ids": "well_read,big_spender,well_read"},
                   [("achievement_ids", "well_read"), ("achievementIds", "big_spender")]):
        response = await read_client.get(PROGRESS, params=[*_pairs(params),
                                                           ("user_id", "player-1")])
        views = data_of(response)
        assert [(v["achievement_id"], v["unlocked"]) for v in views] == [
            ("well_read", True), ("big_spender", False)]


async def test_progress_of_one_achievement_is_still_one_object(
    read_client: httpx.AsyncClient,
) -> None:
    one = data_of(await read_client.get(
        PROGRESS, params={"achievement_id": "well_read", "user_id": "player-2"}))
    several = data_of(await read_client.get(
        PROGRESS, params={"achievement_ids": "well_read", "user_id": "player-2"}))

    assert one["achievement_id"] == "well_read"
    assert several == [one]


@pytest.mark.usefixtures("played")
@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"achievement_id": "first_vote", "achievement_ids": "well_read"}, 422, "invalid_query"),
        ({}, 422, "invalid_query"),
        ({"achievement_ids": "first_vote,statesman"}, 404, "not_found"),
        ({"achievement_ids": "first_vote,nope"}, 404, "not_found"),
    ],
    ids=["both-forms", "neither", "one-hidden-and-locked", "one-unknown"],
)
async def test_progress_of_several_refuses_what_the_player_cannot_see(
    read_client: httpx.AsyncClient, params: dict[str, str], status: int, code: str
) -> None:
    error_of(await read_client.get(PROGRESS, params={**params, "user_id": "player-2"}),
             status, code)


@pytest.mark.usefixtures("played")
async def test_a_player_token_redeems_without_naming_its_player(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient,
) -> None:
    token = await player_token(admin_client, "player-1")

    redeemed = data_of(await anonymous_client.post(
        REDEEM, json={"achievement_id": "first_vote"}, headers=bearer(token)))

    assert (redeemed["user_id"], redeemed["count"]) == ("player-1", 1)


@pytest.mark.usefixtures("played")
async def test_a_key_must_name_the_player_and_a_token_only_its_own(
    admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient,
) -> None:
    error = error_of(await admin_client.post(REDEEM, json={"achievement_id": "first_vote"}),
                     422, "invalid_body")
    assert error["details"][0]["field"] == "user_id"

    token = await player_token(admin_client, "player-2")
    error_of(await anonymous_client.post(
        REDEEM, json={"user_id": "player-1", "achievement_id": "first_vote"},
        headers=bearer(token)), 403, "forbidden")


def _pairs(params: Any) -> list[tuple[str, str]]:
    return list(params.items()) if isinstance(params, dict) else list(params)
