"""GET /api/v1/analytics/*: designers' analytics over the raw events, as other tools read them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
from events_http import data_of, error_of

from questlog.bootstrap import Questlog

ANALYTICS = "/api/v1/analytics"
TODAY = datetime.now(UTC).date()
# Events happen around noon of their day (days_back >= 1: in the past), so a run just
# after midnight UTC puts them on the same days as any other run.
NOON = datetime.combine(TODAY, time(12), UTC)
GAME = {"client_guid": "g", "build": "1.0", "platform": "pc", "shard": "eu-1"}


def at(days_back: int, minutes: int = 0) -> str:
    return (NOON - timedelta(days=days_back, minutes=30 - minutes)).isoformat()


def gameplay(kind: str, user: str, company: str, days_back: int, minutes: int = 0,
             **fields: Any) -> dict[str, Any]:
    return {"type": kind, "user_id": user, "company_id": company, **GAME,
            "session_id": f"{user}-{days_back}", "occurred_at": at(days_back, minutes), **fields}


async def store(questlog: Questlog, events: list[dict[str, Any]]) -> None:
    result = await questlog.ingestor.ingest(events)
    assert not result.rejections, result.rejections


def onboarding(user: str, company: str, days_back: int, *, wins: bool) -> list[dict[str, Any]]:
    out = [gameplay("session_start", user, company, days_back),
           gameplay("engage_enemy", user, company, days_back, 2, enemy_id="m")]
    if wins:
        out.append(gameplay("xp_gain", user, company, days_back, 5, amount=10,
                            xp_source="combat"))
    return out


async def test_active_players_count_each_player_once_per_day(
    questlog: Questlog, read_client: httpx.AsyncClient,
) -> None:
    await store(questlog, [
        *onboarding("p1", "c1", 2, wins=True), *onboarding("p1", "c1", 1, wins=False),
        *onboarding("p2", "c1", 1, wins=True),
    ])

    days = data_of(await read_client.get(f"{ANALYTICS}/active", params={
        "from": (TODAY - timedelta(days=2)).isoformat(), "to": TODAY.isoformat()}))

    assert days[:2] == [
        {"day": (TODAY - timedelta(days=2)).isoformat(), "dau": 1, "wau": 1, "mau": 1,
         "new": 1, "returning": 0},
        {"day": (TODAY - timedelta(days=1)).isoformat(), "dau": 2, "wau": 2, "mau": 2,
         "new": 1, "returning": 1},
    ]
    assert (days[2]["dau"], days[2]["wau"]) == (0, 2)


async def test_the_onboarding_funnel_counts_players_per_step_with_times(
    questlog: Questlog, read_client: httpx.AsyncClient,
) -> None:
    await store(questlog, [*onboarding("p1", "c1", 2, wins=True),
                           *onboarding("p2", "c1", 2, wins=False),
                           gameplay("session_start", "p3", "c1", 2)])

    steps = data_of(await read_client.get(f"{ANALYTICS}/funnel", params={"name": "onboarding"}))

    assert [s["players"] for s in steps] == [3, 2, 1]
    assert steps[1]["conversion_from_previous"] == 2 / 3
    assert steps[2]["conversion_from_first"] == 1 / 3
    assert steps[1]["median_seconds_from_previous"] == 120
    assert steps[2]["median_seconds_from_start"] == 300


async def test_a_custom_funnel_takes_steps_with_a_field_condition(
    questlog: Questlog, read_client: httpx.AsyncClient,
) -> None:
    await store(questlog, onboarding("p1", "c1", 1, wins=True))

    steps = data_of(await read_client.get(f"{ANALYTICS}/funnel", params={
        "steps": "session_start,xp_gain:xp_source=quest", "window_hours": 2}))

    assert [(s["label"], s["players"]) for s in steps] == [
        ("session_start", 1), ("xp_gain:xp_source=quest", 0)]


async def test_retention_cells_say_who_was_back_on_day_n(
    questlog: Questlog, read_client: httpx.AsyncClient,
) -> None:
    await store(questlog, [*onboarding("p1", "c1", 3, wins=True),
                           *onboarding("p1", "c1", 2, wins=True),
                           *onboarding("p2", "c1", 3, wins=True)])

    grid = data_of(await read_client.get(f"{ANALYTICS}/retention", params={
        "from": (TODAY - timedelta(days=3)).isoformat()}))

    assert grid == [{
        "cohort": (TODAY - timedelta(days=3)).isoformat(), "players": 2,
        "d1": 0.5, "d1_retained": 1, "d1_eligible": 2,
        "d7": None, "d7_retained": 0, "d7_eligible": 0,
        "d30": None, "d30_retained": 0, "d30_eligible": 0,
    }]


async def test_sessions_and_breakdowns(questlog: Questlog, read_client: httpx.AsyncClient) -> None:
    await store(questlog, [*onboarding("p1", "c1", 1, wins=True),
                           *onboarding("p2", "c1", 1, wins=False)])

    sessions = data_of(await read_client.get(f"{ANALYTICS}/sessions"))
    platforms = data_of(await read_client.get(f"{ANALYTICS}/breakdown", params={
        "type": "engage_enemy", "field": "platform"}))

    assert sessions["totals"] == {"sessions": 2, "players": 2, "sessions_per_player": 1.0,
                                  "mean_length_s": 210.0, "median_length_s": 210.0}
    assert platforms == [{"value": "pc", "events": 2, "players": 2}]


async def test_a_small_company_is_withheld_and_a_large_one_shown(
    questlog: Questlog, read_client: httpx.AsyncClient,
) -> None:
    big = [e for i in range(5) for e in onboarding(f"big-{i}", "big", 1, wins=True)]
    await store(questlog, big + onboarding("solo", "small", 1, wins=True))

    routes = [("active", {}), ("sessions", {}), ("retention", {}),
              ("funnel", {"name": "onboarding"}),
              ("breakdown", {"type": "session_start", "field": "platform"})]
    for route, params in routes:
        small = await read_client.get(f"{ANALYTICS}/{route}",
                                      params={**params, "company_id": "small"})
        error_of(small, 403, "below_privacy_threshold")
        data_of(await read_client.get(f"{ANALYTICS}/{route}",
                                      params={**params, "company_id": "big"}))
    companies = data_of(await read_client.get(f"{ANALYTICS}/companies"))
    assert {c["company_id"]: c["above_threshold"] for c in companies} == {
        "big": True, "small": False}


async def test_bad_queries_are_422_with_a_precise_code(read_client: httpx.AsyncClient) -> None:
    cases = [
        ("breakdown", {"type": "NOPE", "field": "x"}, "unknown_event_type"),
        ("breakdown", {"type": "session_start", "field": "nope"}, "unknown_field"),
        ("funnel", {"steps": "session_start"}, "invalid_funnel"),
        ("funnel", {}, "invalid_funnel"),
        ("funnel", {"name": "nope"}, "invalid_funnel"),
        ("funnel", {"steps": "session_start,xp_gain:nope=1"}, "unknown_field"),
        ("active", {"from": "2026-05-02", "to": "2026-05-01"}, "invalid_range"),
        ("active", {"from": "2020-01-01", "to": "2026-01-01"}, "range_too_long"),
        ("retention", {"cohort": "year"}, "invalid_query"),
    ]
    for route, params, code in cases:
        error_of(await read_client.get(f"{ANALYTICS}/{route}", params=params), 422, code)


async def test_analytics_need_the_read_scope(
    ingest_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient,
) -> None:
    error_of(await ingest_client.get(f"{ANALYTICS}/active"), 403, "forbidden")
    error_of(await anonymous_client.get(f"{ANALYTICS}/types"), 401, "unauthorized")
