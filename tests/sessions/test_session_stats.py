"""GET /api/v1/stats?type=session: sessions per day and week, with their durations and
features, equal to a plain recomputation; a week is the merge of its days; privacy."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sessions_http import T0, close, data_of, error_of, skill, store

from questlog.bootstrap import Questlog
from questlog.sessions.stats import by_period, day_aggregate, histogram
from questlog.stats.periods import Calendar, week_of

STATS = "/api/v1/stats"
UTC_CALENDAR = Calendar("UTC")
MONDAY = datetime(2026, 11, 2, tzinfo=UTC)

sessions_strategy = st.lists(
    st.builds(
        lambda day, minute, duration, user: {
            "user_id": f"u{user}", "started_at": MONDAY + timedelta(days=day, minutes=minute),
            "features": {"duration_s": float(duration), "retry_count": duration % 3,
                         "fta_strict": True},
        },
        st.integers(0, 13), st.integers(0, 1439), st.integers(0, 9000), st.integers(0, 5),
    ),
    max_size=40,
)


@settings(max_examples=100, deadline=None)
@given(sessions_strategy)
def test_a_week_is_the_merge_of_its_days_and_equals_its_sessions(
    sessions: list[dict[str, Any]],
) -> None:
    weeks = by_period(sessions, calendar=UTC_CALENDAR, period="weekly")
    for monday, (merged, bins) in weeks.items():
        mine = [s for s in sessions if week_of(s["started_at"].date()) == monday]
        direct, direct_bins = day_aggregate(mine)
        assert merged.count == direct.count == len(mine)
        assert merged.users.count() == direct.users.count()
        assert bins == direct_bins == histogram(s["features"]["duration_s"] for s in mine)
        assert merged.fields.keys() == direct.fields.keys() == {"duration_s", "retry_count"}
        for name in merged.fields:
            assert merged.fields[name].finalize() == pytest.approx(direct.fields[name].finalize())


async def play(client: httpx.AsyncClient, questlog: Questlog, session: str, user: str,
               start: float, seconds: float, company: str = "c-1") -> None:
    await store(client, questlog, [
        skill("retry", start, session=session, user=user, company_id=company),
        skill("choice_made", start + seconds, session=session, user=user, company_id=company),
    ])
    data_of(await close(client, session))


async def test_daily_session_stats_equal_a_recomputation(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await play(ingest_client, questlog, "a", "u1", 0, 120)
    await play(ingest_client, questlog, "b", "u2", 10, 600)
    await play(ingest_client, questlog, "c", "u1", 20, 30)
    await store(ingest_client, questlog, [skill("retry", 0, session="open", user="u3")])
    day = T0.date().isoformat()
    answer = await read_client.get(STATS, params={"type": "session", "from": day, "to": day})
    [bucket] = data_of(answer)
    assert bucket["type"] == "session"
    assert (bucket["count"], bucket["distinct_users"]) == (3, 2)  # closed sessions only
    duration = bucket["fields"]["duration_s"]
    assert duration["avg"] == pytest.approx(statistics.mean([120, 600, 30]))
    assert duration["std_dev"] == pytest.approx(statistics.pstdev([120, 600, 30]))
    assert (duration["min"], duration["max"]) == (30, 600)
    assert bucket["fields"]["retry_count"]["sum"] == 3
    assert [b["count"] for b in bucket["duration_histogram"]] == [1, 1, 1, 0, 0, 0, 0]
    weekly = data_of(await read_client.get(STATS, params={"type": "session",
                                                          "period": "weekly"}))
    assert sum(w["count"] for w in weekly) == 3


async def test_a_small_company_is_withheld(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await play(ingest_client, questlog, "a", "u1", 0, 120)
    answer = await read_client.get(STATS, params={"type": "session", "scope": "company",
                                                  "company_id": "c-1"})
    error_of(answer, 403, "below_privacy_threshold")


async def test_a_players_session_stats(
    ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    await play(ingest_client, questlog, "a", "u1", 0, 120)
    await play(ingest_client, questlog, "b", "u2", 0, 60)
    answer = await read_client.get(STATS, params={"type": "session", "scope": "user",
                                                  "user_id": "u2"})
    [bucket] = data_of(answer)
    assert bucket["count"] == 1
    assert bucket["fields"]["duration_s"]["sum"] == 60
