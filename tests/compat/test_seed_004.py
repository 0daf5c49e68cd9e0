"""Seed 004's client against Questlog: attempts, finalize, the player's sessions and, from
the third session on, the model and its prediction, matching a hand calculation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from seed_examples import example

from questlog.bootstrap import Questlog


def attempt(session: str, sequence: int, number: int, success: bool) -> dict[str, Any]:
    return {"player_id": "p-9", "session_id": session, "sequence": sequence,
            "attempt_number": number, "success": success, "company_name": "Acme Corp",
            "duration_ms": 1000.0 * number}


async def play(client: httpx.AsyncClient, session: str, outcomes: list[list[bool]]) -> None:
    for sequence, tries in enumerate(outcomes):
        for number, success in enumerate(tries, start=1):
            answer = await client.post("/events", json=attempt(session, sequence, number, success))
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] == "ok"


async def test_health_answers_as_the_seed_shows(anonymous_client: httpx.AsyncClient) -> None:
    answer = await anonymous_client.get("/health")
    assert answer.json() == example("seed_004", "health")["response"]


async def test_the_seeds_example_attempt_passes_and_finalizes(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    answer = await ingest_client.post("/events", json=example("seed_004", "attempt submitted")
                                      ["body"])
    assert answer.status_code == 200, answer.text
    await questlog.sessions.settle(questlog.bus)
    summary = (await ingest_client.post("/sessions/session-1/finalize")).json()
    assert summary["player_id"] == "player-1"
    assert summary["company_id"].startswith("c_")  # the company name, hashed, never stored
    assert (summary["fta_level"], summary["fta_strict"], summary["earth_score_bucket"]) == (
        1.0, True, 10)


async def test_a_client_reads_its_metrics_and_from_the_third_session_its_model(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    sessions = {
        "s1": [[True], [False, True]],                               # fta 1/2, burden 3/2
        "s2": [[True], [False, True], [False, False, True], [False, False, False]],  # 1/4, 9/4
        "s3": [[True]],                                              # fta 1, burden 1
    }
    summaries = []
    for number, (session, outcomes) in enumerate(sessions.items(), start=1):
        await play(ingest_client, session, outcomes)
        await questlog.sessions.settle(questlog.bus)
        summaries.append((await ingest_client.post(f"/sessions/{session}/finalize")).json())
        model = (await read_client.get("/model/state/p-9")).json()
        assert model["player_id"] == "p-9"
        assert model["status"] == ("trained" if number >= 3 else "insufficient_data")

    assert [(s["fta_level"], s["repetition_burden"], s["earth_score_bucket"]) for s in summaries] \
        == [(0.5, 1.5, 5), (0.25, 2.25, 0), (1.0, 1.0, 10)]
    listed = (await read_client.get("/players/p-9/sessions")).json()
    assert [s["session_id"] for s in listed] == ["s3", "s2", "s1"]  # newest first
    assert listed[-1] == summaries[0]

    model = (await read_client.get("/model/state/p-9")).json()
    # samples (1/2, 3/2) -> 1/4 and (1/4, 9/4) -> 1: coef (-0.3, 0.9), intercept -0.95;
    # next: -0.95 - 0.3 + 0.9 = -0.35, clamped to 0
    assert model["n_samples"] == 2
    assert model["coefficients"] == pytest.approx([-0.3, 0.9])
    assert model["intercept"] == pytest.approx(-0.95)
    assert model["mae"] == pytest.approx(0.0)
    assert model["prediction"] == 0.0
    assert model["trained_at"]


async def test_two_companies_in_one_session_cannot_be_finalized(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await ingest_client.post("/events", json=attempt("mixed", 0, 1, True))
    await ingest_client.post("/events", json={**attempt("mixed", 1, 1, True),
                                              "company_name": "Other Inc"})
    await questlog.sessions.settle(questlog.bus)
    answer = await ingest_client.post("/sessions/mixed/finalize")
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "mixed_company")


async def test_a_player_token_reads_only_its_own_model(
    admin_client: httpx.AsyncClient,
) -> None:
    token = (await admin_client.post("/api/v1/players/p-9/token")).json()["data"]["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await admin_client.get("/model/state/p-9", headers=headers)).status_code == 200
    other = await admin_client.get("/model/state/p-8", headers=headers)
    assert (other.status_code, other.json()["error"]["code"]) == (403, "forbidden")
