"""Reading sessions and models: keys with read, a player's own token, nobody else's; the
model from the third finalized session; seed 004's mixed-company rule."""

from __future__ import annotations

import httpx
import pytest
from sessions_http import SESSIONS, attempt, close, data_of, error_of, skill, store

from questlog.bootstrap import Questlog

PLAYERS = "/api/v1/players"


async def token_for(admin: httpx.AsyncClient, user: str) -> dict[str, str]:
    token = data_of(await admin.post(f"{PLAYERS}/{user}/token"))["token"]
    return {"Authorization": f"Bearer {token}"}


async def play_session(
    client: httpx.AsyncClient, questlog: Questlog, session: str, start: float,
    outcomes: list[list[bool]], user: str = "player-1",
) -> dict[str, object]:
    """One session of sequences, each a list of attempt outcomes; finalized."""
    events = [
        attempt(seq, number, ok, start + 10 * seq + number, session=session, user=user)
        for seq, tries in enumerate(outcomes) for number, ok in enumerate(tries, start=1)
    ]
    await store(client, questlog, events)
    closed: dict[str, object] = data_of(await client.post(f"{SESSIONS}/{session}/finalize"))
    return closed


async def test_a_player_reads_their_own_sessions_newest_first(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [
        skill("choice_made", 0, session="a", user="p-1"),
        skill("choice_made", 100, session="b", user="p-1"),
        skill("choice_made", 50, session="c", user="p-2"),
    ])
    headers = await token_for(admin_client, "p-1")
    answer = await admin_client.get(f"{PLAYERS}/p-1/sessions", headers=headers,
                                    params={"page_size": 1})
    assert [s["session_id"] for s in data_of(answer)] == ["b"]
    assert answer.json()["meta"]["total"] == 2
    page_two = await admin_client.get(f"{PLAYERS}/p-1/sessions?page=2&page_size=1",
                                      headers=headers)
    assert [s["session_id"] for s in data_of(page_two)] == ["a"]
    own = await admin_client.get(f"{SESSIONS}/a", headers=headers)
    assert data_of(own)["user_id"] == "p-1"


@pytest.mark.parametrize("path", [f"{PLAYERS}/p-2/sessions", f"{PLAYERS}/p-2/model",
                                  f"{SESSIONS}/c"])
async def test_a_players_token_reads_nobody_elses(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient, questlog: Questlog,
    path: str,
) -> None:
    await store(ingest_client, questlog, [skill("choice_made", 0, session="c", user="p-2")])
    headers = await token_for(admin_client, "p-1")
    error_of(await admin_client.get(path, headers=headers), 403, "forbidden")


async def test_an_ingest_key_cannot_read_sessions(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("choice_made", 0)])
    error_of(await ingest_client.get(f"{SESSIONS}/s-1"), 403, "forbidden")


async def test_an_unknown_session_is_404(read_client: httpx.AsyncClient) -> None:
    error_of(await read_client.get(f"{SESSIONS}/nope"), 404, "not_found")


async def test_the_model_trains_from_the_third_finalized_session(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    model_path = f"{PLAYERS}/player-1/model"
    assert data_of(await read_client.get(model_path))["status"] == "insufficient_data"
    # fta 1/2, burden 3/2
    await play_session(ingest_client, questlog, "e-1", 0, [[True], [False, True]])
    # fta 1/4, burden (1 + 2 + 3 + 3)/4 = 9/4
    await play_session(ingest_client, questlog, "e-2", 100,
                       [[True], [False, True], [False, False, True], [False, False, False]])
    second = data_of(await read_client.get(model_path))
    assert (second["status"], second["n_samples"]) == ("insufficient_data", 1)
    # fta 1, burden 1
    await play_session(ingest_client, questlog, "e-3", 200, [[True]])
    model = data_of(await read_client.get(model_path))
    assert model["status"] == "trained"
    assert (model["n_samples"], model["n_sessions"]) == (2, 3)
    # samples (1/2, 3/2) -> 1/4 and (1/4, 9/4) -> 1: d = (-1/4, 3/4), dy = 3/4, |d|² = 5/8
    # coef = d·dy/|d|² = (-0.3, 0.9); intercept = 5/8 - (3/8·-0.3 + 15/8·0.9) = -0.95
    assert model["coefficients"] == pytest.approx([-0.3, 0.9])
    assert model["intercept"] == pytest.approx(-0.95)
    assert model["mae"] == pytest.approx(0.0)
    # next: -0.95 - 0.3·1 + 0.9·1 = -0.35, clamped to 0
    assert model["prediction"] == 0.0


async def test_attempts_of_two_companies_cannot_be_finalized(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [
        attempt(0, 1, True, 0, session="m", company="c-1"),
        attempt(1, 1, True, 5, session="m", company="c-2"),
    ])
    error = error_of(await ingest_client.post(f"{SESSIONS}/m/finalize"), 400, "mixed_company")
    assert error["details"] == [{"code": "mixed_company", "company_ids": ["c-1", "c-2"]}]
    session = data_of(await read_client.get(f"{SESSIONS}/m"))
    assert session["status"] == "open"
    assert session["conflict"] == {"code": "mixed_company", "company_ids": ["c-1", "c-2"]}
    model = data_of(await read_client.get(f"{PLAYERS}/player-1/model"))
    assert model["n_sessions"] == 0


async def test_closing_a_skills_session_does_not_create_a_model(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await store(ingest_client, questlog, [skill("choice_made", 0)])
    data_of(await close(ingest_client, "s-1"))
    assert await questlog.sessions.service.model("student-1") is None
