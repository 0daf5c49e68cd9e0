"""Player tokens: their own player's achievements, nothing else; keys with read see everyone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
from conftest import bill_vote
from events_http import data_of, error_of

from questlog.achievements.tokens import PlayerTokens
from questlog.bootstrap import Questlog
from questlog.settings import Settings


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return with_definitions(settings, tmp_path)


@pytest.fixture
async def played(ingest_client: httpx.AsyncClient, questlog: Questlog) -> None:
    await play(ingest_client, questlog,
               votes("player-1", ["b1", "b2", "b3"]) + votes("player-2", ["b1", "b2", "b3"]))


@pytest.fixture
async def token(admin_client: httpx.AsyncClient) -> str:
    return await player_token(admin_client, "player-1")


@pytest.mark.usefixtures("played")
async def test_a_player_token_reads_its_own_players_achievements(
    anonymous_client: httpx.AsyncClient, token: str
) -> None:
    mine = data_of(await anonymous_client.get(ACHIEVEMENTS, headers=bearer(token)))
    named = data_of(await anonymous_client.get(ACHIEVEMENTS, params={"user_id": "player-1"},
                                               headers=bearer(token)))

    assert [a["progress"]["unlocked"] for a in mine] == [True, False, True, True]
    assert mine == named


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("GET", ACHIEVEMENTS, {"user_id": "player-2"}),
        ("GET", PROGRESS, {"user_id": "player-2", "achievement_id": "well_read"}),
        ("POST", REDEEM, {"json": {"user_id": "player-2", "achievement_id": "first_vote"}}),
        ("GET", f"{ACHIEVEMENTS}/stats", {}),
        ("GET", f"{ACHIEVEMENTS}/status", {}),
        ("GET", "/api/v1/events", {"user_id": "player-1"}),
        ("POST", "/api/v1/events", {"json": bill_vote(user_id="player-1")}),
        ("POST", "/api/v1/players/player-1/token", {}),
    ],
    ids=["list-other", "progress-other", "redeem-other", "stats", "status", "read-events",
         "write-events", "mint-tokens"],
)
@pytest.mark.usefixtures("played")
async def test_a_player_token_is_forbidden_anything_else(
    anonymous_client: httpx.AsyncClient, token: str, method: str, path: str,
    params: dict[str, Any],
) -> None:
    query = params if method == "GET" else {}
    body = params.get("json") if method == "POST" else None
    response = await anonymous_client.request(method, path, params=query, json=body,
                                              headers=bearer(token))

    error_of(response, 403, "forbidden")


@pytest.mark.usefixtures("played")
async def test_a_player_redeems_their_own_reward_and_a_read_key_cannot(
    anonymous_client: httpx.AsyncClient, read_client: httpx.AsyncClient, token: str
) -> None:
    body = {"user_id": "player-1", "achievement_id": "first_vote"}

    error_of(await read_client.post(REDEEM, json=body), 403, "forbidden")
    assert data_of(await anonymous_client.post(REDEEM, json=body, headers=bearer(token)))[
        "count"] == 1


@pytest.mark.usefixtures("played")
async def test_a_read_key_sees_every_player(read_client: httpx.AsyncClient) -> None:
    for user in ("player-1", "player-2"):
        progress = data_of(await read_client.get(
            PROGRESS, params={"user_id": user, "achievement_id": "well_read"}))
        assert progress["unlocked"] is True


def foreign_token(user: str, *, issued: datetime, secret: str = "another-process") -> str:
    return PlayerTokens(secret=secret, ttl=timedelta(hours=1)).issue(user, now=issued).token


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize(
    ("make_token", "message"),
    [
        (lambda q: q.achievements.tokens.issue("player-1", now=datetime.now(UTC)
                                               - timedelta(days=2)).token, "expired at 20"),
        (lambda q: foreign_token("player-1", issued=datetime.now(UTC)), "signed by another secret"),
        (lambda q: tampered(q.achievements.tokens.issue("player-1", now=datetime.now(UTC)).token),
         "signature"),
        (lambda q: "qlp1.garbage", "not a player token"),
        (lambda q: "not-a-key", "unknown API key: none of the keys this server accepts"),
    ],
    ids=["expired", "other-secret", "tampered", "malformed", "neither"],
)
async def test_an_expired_or_forged_token_is_unauthorized(
    anonymous_client: httpx.AsyncClient, questlog: Questlog, make_token: Any, message: str
) -> None:
    response = await anonymous_client.get(ACHIEVEMENTS, headers=bearer(make_token(questlog)))

    assert message in error_of(response, 401, "unauthorized")["message"]


@pytest.mark.parametrize("raw", [b"Bearer qlp1.\xe9.\xe9", b"Bearer qlp1.eyJzdWIiOiJwIn0.\xff"])
async def test_a_token_with_bytes_outside_ascii_is_unauthorized(
    anonymous_client: httpx.AsyncClient, raw: bytes
) -> None:
    response = await anonymous_client.get(ACHIEVEMENTS, headers={"Authorization": raw})

    error_of(response, 401, "unauthorized")
