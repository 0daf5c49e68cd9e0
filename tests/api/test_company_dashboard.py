"""Company dashboards (seed 004): a company token sees its own aggregates only, and only
above QUESTLOG_MIN_COMPANY_N players; the seed's own routes answer the same."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from conftest import iso
from events_http import BATCH, data_of, error_of
from privacy_http import bearer

from questlog.access.companies import CompanyTokens
from questlog.bootstrap import Questlog
from questlog.settings import Settings

NOW = datetime.now(UTC).replace(microsecond=0)
# Sessions happen around noon of yesterday: at "now - 1 day" a run just before midnight
# UTC spread a session's minutes over two days (two points in the daily timeseries).
YESTERDAY = datetime.combine(NOW.date() - timedelta(days=1), time(12), UTC)
COMPANIES = "/api/v1/companies"
DASHBOARD = "/api/v1/dashboard"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"min_company_n": 2})


def attempts(user: str, company: str, session: str, tries: list[list[bool]],
             at: datetime = YESTERDAY) -> list[dict[str, Any]]:
    """One session: for each sequence, its attempts' outcomes in order."""
    return [{"type": "AttemptSubmitted", "user_id": user, "company_name": company,
             "session_id": session, "sequence": s, "attempt_number": n + 1, "success": ok,
             "occurred_at": iso(at + timedelta(minutes=s))}
            for s, outcomes in enumerate(tries) for n, ok in enumerate(outcomes)]


@pytest.fixture
async def acme(admin_client: httpx.AsyncClient, ingest_client: httpx.AsyncClient,
               questlog: Questlog) -> str:
    """Acme: two players, one perfect session (score 10) and one with a retry (score 5);
    Solo: one player."""
    token: str = data_of(await admin_client.post(COMPANIES, json={"company_name": "Acme Corp"}),
                         201)["dashboard_token"]
    events = (attempts("p-1", "Acme Corp", "s-1", [[True], [True]])
              + attempts("p-2", "ACME corp.", "s-2", [[False, True], [True]])
              + attempts("p-3", "Solo", "s-3", [[True]]))
    assert data_of(await ingest_client.post(BATCH, json={"events": events}))["accepted"] == 6
    span = {"from": YESTERDAY.date().isoformat(), "to": NOW.date().isoformat()}
    assert (await admin_client.post("/api/v1/jobs/rollup", json=span)).status_code == 200
    await questlog.bus.drain()
    return token


async def test_a_company_token_reads_its_companys_summary(
    acme: str, anonymous_client: httpx.AsyncClient
) -> None:
    summary = data_of(await anonymous_client.get(f"{DASHBOARD}/summary", params={"t": acme}))

    assert summary["players"] == 2
    assert summary["sessions"] == 2
    assert summary["mean_fta_level"] == pytest.approx((1.0 + 0.5) / 2)
    assert summary["mean_repetition_burden"] == pytest.approx((1.0 + 1.5) / 2)
    assert summary["earth_score_distribution"] == {"0": 0, "5": 1, "10": 1}
    assert summary["event_counts"] == {"AttemptSubmitted": 5}


async def test_the_token_works_as_a_bearer_token_and_the_info_always_answers(
    acme: str, anonymous_client: httpx.AsyncClient
) -> None:
    info = data_of(await anonymous_client.get(f"{DASHBOARD}/company", headers=bearer(acme)))

    assert info["players"] == 2
    assert info["status"] == "ok"
    assert info["company_id"].startswith("c_")


async def test_the_timeseries_has_the_same_figures_per_day(
    acme: str, anonymous_client: httpx.AsyncClient
) -> None:
    series = data_of(await anonymous_client.get(
        f"{DASHBOARD}/timeseries", params={"t": acme, "bucket": "day"}))["series"]

    assert [(p["period_start"], p["players"], p["sessions"]) for p in series] == [
        (YESTERDAY.date().isoformat(), 2, 2)]


async def test_below_the_threshold_the_aggregates_are_withheld_and_the_info_says_so(
    acme: str, admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    solo = data_of(await admin_client.post(COMPANIES, json={"company_name": "Solo"}),
                   201)["dashboard_token"]

    info = data_of(await anonymous_client.get(f"{DASHBOARD}/company", params={"t": solo}))
    summary = await anonymous_client.get(f"{DASHBOARD}/summary", params={"t": solo})
    series = await anonymous_client.get(f"{DASHBOARD}/timeseries", params={"t": solo})

    assert (info["players"], info["status"]) == (1, "not enough data yet")
    error_of(summary, 403, "below_privacy_threshold")
    error_of(series, 403, "below_privacy_threshold")


async def test_a_reissued_token_revokes_the_old_one(
    acme: str, admin_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    company_id = data_of(await anonymous_client.get(f"{DASHBOARD}/company",
                                                    params={"t": acme}))["company_id"]
    new = data_of(await admin_client.post(f"{COMPANIES}/{company_id}/token"))["dashboard_token"]

    old = await anonymous_client.get(f"{DASHBOARD}/company", params={"t": acme})
    fresh = await anonymous_client.get(f"{DASHBOARD}/company", params={"t": new})

    error_of(old, 403, "forbidden")
    assert fresh.status_code == 200


async def test_a_token_signed_with_another_secret_or_none_is_refused(
    acme: str, anonymous_client: httpx.AsyncClient
) -> None:
    nonce = CompanyTokens.nonce_of(acme)
    assert nonce is not None
    forged = CompanyTokens("another secret").sign("c_anything", nonce)

    error_of(await anonymous_client.get(f"{DASHBOARD}/company", params={"t": forged}),
             403, "forbidden")
    error_of(await anonymous_client.get(f"{DASHBOARD}/company"), 401, "unauthorized")


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/stats?type=AttemptSubmitted",
                                  "/api/v1/achievements", "/api/v1/companies"])
async def test_a_company_token_reads_nothing_else(
    acme: str, anonymous_client: httpx.AsyncClient, path: str
) -> None:
    error_of(await anonymous_client.get(path, headers=bearer(acme)), 401, "unauthorized")


async def test_companies_seen_in_events_are_registered_and_listed(
    acme: str, admin_client: httpx.AsyncClient
) -> None:
    listed = data_of(await admin_client.get(COMPANIES))

    assert sorted((c["source"], c["company_name"] or "") for c in listed) == [
        ("admin", "Acme Corp"), ("events", "")]


async def test_registering_needs_the_admin_scope(read_client: httpx.AsyncClient) -> None:
    answer = await read_client.post(COMPANIES, json={"company_name": "Acme"})

    error_of(answer, 403, "forbidden")


async def test_the_seed_004_routes_answer_the_same_in_its_shapes(
    acme: str, anonymous_client: httpx.AsyncClient
) -> None:
    info = (await anonymous_client.get("/dashboard/company", params={"t": acme})).json()
    summary = (await anonymous_client.get("/dashboard/summary", params={"t": acme})).json()
    series = (await anonymous_client.get("/dashboard/timeseries",
                                         params={"t": acme, "bucket": "week"})).json()

    assert (info["n_players"], info["status"]) == (2, "ok")
    assert (summary["n_players"], summary["n_sessions"]) == (2, 2)
    assert summary["mean_fta_level"] == pytest.approx(0.75)
    assert [p["n_sessions"] for p in series["points"]] == [2]


async def test_seed_company_takes_an_admin_key_in_x_admin_key(
    anonymous_client: httpx.AsyncClient,
) -> None:
    refused = await anonymous_client.post("/admin/seed_company", json={"company_name": "Acme"},
                                          headers={"X-ADMIN-KEY": "test-ingest"})
    seeded = await anonymous_client.post("/admin/seed_company", json={"company_name": "Acme"},
                                         headers={"X-ADMIN-KEY": "test-admin"})

    error_of(refused, 403, "forbidden")
    body = seeded.json()
    assert body["company_id"].startswith("c_")
    info = await anonymous_client.get("/dashboard/company", params={"t": body["dashboard_token"]})
    assert info.json()["n_players"] == 0
