"""GET /api/v1/stats: designers read daily and weekly aggregates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from events_http import data_of, error_of

from questlog.bootstrap import Questlog
from questlog.stats.periods import week_of
from questlog.stats.quantiles import RELATIVE_ACCURACY

STATS = "/api/v1/stats"
ITEM_KEYS = {
    "period", "period_start", "type", "scope", "company_id", "user_id", "count",
    "estimated_count", "sampled", "distinct_users", "distinct_users_exact", "success_rate",
    "fields",
}


def lobby(user: str, company: str, spend: float, days_back: int) -> dict[str, Any]:
    moment = datetime.now(UTC) - timedelta(days=days_back)
    return {"type": "LOBBY_ATTEMPT", "user_id": user, "company_id": company, "spend": spend,
            "difficulty_tier": 3, "success": spend >= 20, "breakdown": {},
            "occurred_at": moment.isoformat()}


async def rolled_up(questlog: Questlog, events: list[dict[str, Any]]) -> date:
    """Store `events`, roll up the last week, and return today."""
    result = await questlog.ingestor.ingest(events)
    assert not result.rejections
    today = questlog.stats.today()
    await questlog.stats.recompute([today - timedelta(days=d) for d in range(7)], job="test")
    return today


async def test_daily_stats_come_oldest_first_in_the_documented_shape(
    questlog: Questlog, read_client: httpx.AsyncClient,
) -> None:
    today = await rolled_up(questlog, [
        lobby("p1", "c1", 10, days_back=2), lobby("p2", "c1", 30, days_back=2),
        lobby("p1", "c1", 50, days_back=1),
    ])

    response = await read_client.get(STATS, params={"type": "LOBBY_ATTEMPT"})

    items = data_of(response)
    assert [i["period_start"] for i in items] == [
        (today - timedelta(days=2)).isoformat(), (today - timedelta(days=1)).isoformat(),
    ]
    assert all(set(i) == ITEM_KEYS for i in items)
    assert items[0] == {
        "period": "daily", "period_start": (today - timedelta(days=2)).isoformat(),
        "type": "LOBBY_ATTEMPT", "scope": "global", "company_id": None, "user_id": None,
        "count": 2, "estimated_count": 2, "sampled": False, "distinct_users": 2,
        "distinct_users_exact": True, "success_rate": 0.5,
        "fields": {
            "difficulty_tier": {"sum": 6, "avg": 3, "std_dev": 0, "min": 3, "max": 3,
                                **percentiles(3, 3, 3), "estimated_sum": 6},
            "spend": {"sum": 40, "avg": 20, "std_dev": 10, "min": 10, "max": 30,
                      **percentiles(10, 10, 10),  # of 10 and 30, the lower quantiles
                      "estimated_sum": 40},
        },
    }


def percentiles(p50: float, p90: float, p99: float) -> dict[str, Any]:
    """The percentiles as a sketch answers them: within its relative error."""
    return {name: pytest.approx(value, rel=RELATIVE_ACCURACY)
            for name, value in (("p50", p50), ("p90", p90), ("p99", p99))}


async def test_figures_past_the_largest_number_read_back_as_json(
    questlog: Questlog, read_client: httpx.AsyncClient,
) -> None:
    await rolled_up(questlog, [lobby("p1", "c1", 1e308, days_back=1),
                               lobby("p2", "c1", 1e308, days_back=1),
                               lobby("p3", "c1", 1.0, days_back=1)])

    [item] = data_of(await read_client.get(STATS, params={"type": "LOBBY_ATTEMPT"}))

    assert item["fields"]["spend"] == {
        "sum": None, "avg": None, "std_dev": None, "min": 1.0, "max": 1e308,
        **percentiles(1e308, 1e308, 1e308), "estimated_sum": None,
    }


async def test_weekly_stats_merge_the_days_of_each_week(
    questlog: Questlog, read_client: httpx.AsyncClient,
) -> None:
    today = await rolled_up(questlog, [lobby("p1", "c1", 10 * d, days_back=d) for d in range(7)])

    response = await read_client.get(STATS, params={
        "type": "LOBBY_ATTEMPT", "scope": "user", "user_id": "p1", "period": "weekly",
        "from": (today - timedelta(days=6)).isoformat(),
    })

    items = data_of(response)
    assert [i["period_start"] for i in items] == sorted(
        {week_of(today - timedelta(days=d)).isoformat() for d in range(7)}
    )
    assert sum(i["count"] for i in items) == 7
    assert sum(i["fields"]["spend"]["sum"] for i in items) == 210
    assert {i["distinct_users"] for i in items} == {1}


async def test_days_rolled_up_newest_first_still_come_oldest_first(
    questlog: Questlog, read_client: httpx.AsyncClient,
) -> None:
    await questlog.ingestor.ingest([lobby("p1", "c1", 10, days_back=d) for d in (1, 2, 8, 9)])
    today = questlog.stats.today()
    for days_back in (1, 2, 8, 9):  # each day's documents stored after the newer ones
        await questlog.stats.recompute([today - timedelta(days=days_back)], job="test")

    daily = data_of(await read_client.get(STATS, params={
        "type": "LOBBY_ATTEMPT", "from": (today - timedelta(days=9)).isoformat()}))
    weekly = data_of(await read_client.get(STATS, params={
        "type": "LOBBY_ATTEMPT", "scope": "user", "user_id": "p1", "period": "weekly",
        "from": (today - timedelta(days=9)).isoformat()}))

    assert [i["period_start"] for i in daily] == [
        (today - timedelta(days=d)).isoformat() for d in (9, 8, 2, 1)]
    starts = [i["period_start"] for i in weekly]
    assert starts == sorted(starts) == sorted(
        {week_of(today - timedelta(days=d)).isoformat() for d in (1, 2, 8, 9)})


async def test_meta_echoes_the_query_and_says_whether_the_last_period_is_open(
    questlog: Questlog, read_client: httpx.AsyncClient,
) -> None:
    today = questlog.stats.today()
    week_ago = (today - timedelta(days=7)).isoformat()

    current = await read_client.get(STATS, params={"type": "BILL_VOTE"})
    past = await read_client.get(STATS, params={"type": "BILL_VOTE", "to": week_ago,
                                                "from": week_ago})

    assert current.json()["meta"] == {
        "query": {"type": "BILL_VOTE", "scope": "global", "company_id": None, "user_id": None,
                  "period": "daily", "from": (today - timedelta(days=6)).isoformat(),
                  "to": today.isoformat()},
        "time_zone": "UTC",
        "last_period_open": True,
    }
    assert past.json()["meta"]["last_period_open"] is False
    assert data_of(past) == []


async def test_a_company_with_enough_players_is_shown(
    questlog: Questlog, read_client: httpx.AsyncClient,
) -> None:
    await rolled_up(questlog, [lobby(f"p{i}", "big", 10, days_back=i % 3) for i in range(5)])

    response = await read_client.get(STATS, params={
        "type": "LOBBY_ATTEMPT", "scope": "company", "company_id": "big",
    })

    assert sum(item["count"] for item in data_of(response)) == 5


@pytest.mark.parametrize("period", ["daily", "weekly"])
async def test_a_company_below_the_privacy_threshold_is_withheld(
    questlog: Questlog, read_client: httpx.AsyncClient, period: str,
) -> None:
    await rolled_up(questlog, [lobby(f"p{i % 4}", "small", 10, days_back=0) for i in range(9)])

    response = await read_client.get(STATS, params={
        "type": "LOBBY_ATTEMPT", "scope": "company", "company_id": "small", "period": period,
    })

    error = error_of(response, 403, "below_privacy_threshold")
    assert "4" not in error["message"]  # not even how many players it has


async def test_a_company_without_any_data_is_withheld_too(read_client: httpx.AsyncClient) -> None:
    response = await read_client.get(STATS, params={
        "type": "LOBBY_ATTEMPT", "scope": "company", "company_id": "nobody",
    })

    error_of(response, 403, "below_privacy_threshold")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"type": "LOBBY_ATTEMPT", "scope": "company"}, "invalid_query"),
        ({"type": "LOBBY_ATTEMPT", "scope": "user"}, "invalid_query"),
        ({"type": "LOBBY_ATTEMPT", "company_id": "c1"}, "invalid_query"),
        ({"type": "LOBBY_ATTEMPT", "scope": "user", "user_id": "p1", "company_id": "c1"},
         "invalid_query"),
        ({"type": "LOBBY_ATTEMPT", "scope": "team"}, "invalid_query"),
        ({"type": "LOBBY_ATTEMPT", "period": "monthly"}, "invalid_query"),
        ({"type": "LOBBY_ATTEMPT", "from": "yesterday"}, "invalid_query"),
        ({}, "invalid_query"),
        ({"type": "NOT_A_TYPE"}, "unknown_event_type"),
        ({"type": "LOBBY_ATTEMPT", "from": "2025-05-02", "to": "2025-05-01"}, "invalid_range"),
        ({"type": "LOBBY_ATTEMPT", "from": "2020-01-01", "to": "2025-05-01"}, "range_too_long"),
        ({"type": "LOBBY_ATTEMPT", "to": "0001-01-03"}, "invalid_range"),
        ({"type": "LOBBY_ATTEMPT", "from": "9999-12-31", "to": "9999-12-31"}, "invalid_range"),
        ({"type": "LOBBY_ATTEMPT", "period": "weekly", "from": "9999-12-20", "to": "9999-12-31"},
         "invalid_range"),
    ],
)
async def test_a_bad_query_is_a_422_with_a_precise_code(
    read_client: httpx.AsyncClient, params: dict[str, str], code: str,
) -> None:
    error_of(await read_client.get(STATS, params=params), 422, code)


async def test_stats_need_a_key_with_the_read_scope(
    anonymous_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient,
) -> None:
    params = {"type": "LOBBY_ATTEMPT"}

    error_of(await anonymous_client.get(STATS, params=params), 401, "unauthorized")
    error_of(await ingest_client.get(STATS, params=params), 403, "forbidden")
