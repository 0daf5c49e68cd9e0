"""POST /api/v1/jobs/rollup and GET /api/v1/jobs/runs, for admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from conftest import bill_vote
from events_http import data_of, error_of

from questlog.bootstrap import Questlog
from questlog.settings import Settings
from questlog.stats.periods import week_of

ROLLUP = "/api/v1/jobs/rollup"
RUNS = "/api/v1/jobs/runs"


async def test_a_rollup_by_hand_recomputes_the_range_and_answers_its_run(
    questlog: Questlog, admin_client: httpx.AsyncClient,
) -> None:
    days_back = [1, 2, 2]
    await questlog.ingestor.ingest([
        bill_vote(occurred_at=(datetime.now(UTC) - timedelta(days=d)).isoformat())
        for d in days_back
    ])
    today = questlog.stats.today()
    first, last = today - timedelta(days=2), today - timedelta(days=1)

    run = data_of(await admin_client.post(ROLLUP, json={"from": str(first), "to": str(last)}))

    assert run["job"] == "recompute_stats"
    assert (run["source"], run["status"], run["errors"]) == ("api", "ok", [])
    assert run["days"] == [str(first), str(last)]
    assert run["weeks"] == sorted({str(week_of(first)), str(week_of(last))})
    assert run["period"] == {"from": str(week_of(first)),
                             "to": str(week_of(last) + timedelta(days=6))}
    assert run["events_read"] == 3
    assert run["documents_written"] > 0
    stats = data_of(await admin_client.get("/api/v1/stats", params={"type": "BILL_VOTE"}))
    assert [s["count"] for s in stats] == [2, 1]


async def test_a_document_of_the_previous_layout_does_not_fail_a_rollup(
    questlog: Questlog, admin_client: httpx.AsyncClient,
) -> None:
    """A per-type document (what a process of the version before issue 9 writes; the next
    start merges it, stats/migration.py) in the week being rebuilt."""
    yesterday = questlog.stats.today() - timedelta(days=1)
    other = yesterday - timedelta(days=1) if yesterday.weekday() else yesterday + timedelta(days=1)
    await questlog.ingestor.ingest([bill_vote(occurred_at=(
        datetime.now(UTC) - timedelta(days=1)).isoformat())])
    await questlog.store.database["daily_stats"].insert_one({
        "_id": f"{other}/BILL_VOTE/global", "period": "daily", "period_start": str(other),
        "type": "BILL_VOTE", "scope": "global", "company_id": None, "user_id": None,
        "count": 1, "users": [], "users_hll": None, "fields": {}})

    run = data_of(await admin_client.post(ROLLUP, json={"from": str(yesterday),
                                                        "to": str(yesterday)}))

    assert (run["status"], run["errors"], run["weeks"]) == ("ok", [], [str(week_of(yesterday))])


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"from": "2026-01-02", "to": "2026-01-01"}, "invalid_range"),
        ({"from": "1999-01-01", "to": "1999-01-02"}, "range_too_old"),
        ({"from": "2999-01-01", "to": "2999-01-02"}, "range_in_future"),
        ({"from": "2026-01-01"}, "invalid_body"),
        ({"from": "yesterday", "to": "2026-01-01"}, "invalid_body"),
        ({"from": 20260101, "to": "2026-01-01"}, "invalid_body"),
        ({"from": "2026-01-01", "to": "2026-01-01", "force": True}, "invalid_body"),
        ([], "invalid_body"),
    ],
)
async def test_a_bad_rollup_request_is_a_422_with_a_precise_code(
    admin_client: httpx.AsyncClient, body: object, code: str,
) -> None:
    error_of(await admin_client.post(ROLLUP, json=body), 422, code)


class TestWithRawEventsKeptLonger:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"raw_ttl_days": 400})

    async def test_a_range_longer_than_the_cap_is_refused(
        self, questlog: Questlog, admin_client: httpx.AsyncClient,
    ) -> None:
        today = questlog.stats.today()

        response = await admin_client.post(ROLLUP, json={
            "from": (today - timedelta(days=40)).isoformat(), "to": today.isoformat(),
        })

        error_of(response, 422, "range_too_long")


async def test_malformed_json_is_a_400_like_on_the_write_routes(
    admin_client: httpx.AsyncClient,
) -> None:
    response = await admin_client.post(ROLLUP, content=b"{\"from\":",
                                       headers={"content-type": "application/json"})

    error_of(response, 400, "malformed_json")


async def test_runs_are_listed_newest_first_and_paginated(
    questlog: Questlog, admin_client: httpx.AsyncClient,
) -> None:
    today = questlog.stats.today()
    for job in ("first", "second", "third"):
        await questlog.stats.recompute([today], job=job)

    page_one = await admin_client.get(RUNS, params={"page_size": 2})
    page_two = await admin_client.get(RUNS, params={"page_size": 2, "page": 2})
    only = await admin_client.get(RUNS, params={"job": "second"})

    assert [r["job"] for r in data_of(page_one)] == ["third", "second"]
    assert page_one.json()["meta"] | {"next_after": "..."} == {
        "page": 1, "page_size": 2, "total": 3, "next_after": "..."
    }
    assert [r["job"] for r in data_of(page_two)] == ["first"]
    assert [r["job"] for r in data_of(only)] == ["second"]


@pytest.mark.parametrize(("method", "path"), [("POST", ROLLUP), ("GET", RUNS)])
async def test_jobs_need_the_admin_scope(
    anonymous_client: httpx.AsyncClient, read_client: httpx.AsyncClient, method: str, path: str,
) -> None:
    body = {"from": "2026-01-01", "to": "2026-01-01"}

    error_of(await anonymous_client.request(method, path, json=body), 401, "unauthorized")
    error_of(await read_client.request(method, path, json=body), 403, "forbidden")
