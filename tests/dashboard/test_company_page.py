"""A company's page, opened with its dashboard token (?t=, seed 004): its figures as the
company dashboard API gives them; below the privacy threshold, "not enough data yet"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page
from shown import card, changed, downloaded_csv, fmt, only, same_as_csv, table, visit

from questlog.dashboard.browse import DemoServer

pytestmark = pytest.mark.browser
SERIES = ["period_start", "players", "sessions", "mean_fta_level", "mean_repetition_burden"]


def dashboard(demo: DemoServer, token: str, route: str, **params: str) -> Any:
    response = demo.api(f"/api/v1/dashboard/{route}", credential=token, **params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def last_days(days: int) -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()}


def test_a_company_sees_its_summary_and_series_by_day_and_week(
    page: Page, demo: DemoServer,
) -> None:
    token = demo.company_token("demo-acme")
    visit(page, demo, f"/dashboard/company-page?t={token}&days=28", "company")
    company = dashboard(demo, token, "company")
    summary = dashboard(demo, token, "summary", **last_days(28))
    assert card(page, "players") == (company["players"], fmt(company["players"]))
    assert card(page, "sessions")[0] == summary["sessions"]
    assert card(page, "fta") == (summary["mean_fta_level"], fmt(summary["mean_fta_level"], "float"))
    daily = dashboard(demo, token, "timeseries", bucket="day", **last_days(28))["series"]
    assert only(table(page, "series"), SERIES) == [{k: r[k] for k in SERIES} for r in daily]

    changed(page, lambda: page.select_option("#ctl-bucket", "week"))
    weekly = dashboard(demo, token, "timeseries", bucket="week", **last_days(28))["series"]
    assert only(table(page, "series"), SERIES) == [{k: r[k] for k in SERIES} for r in weekly]
    assert same_as_csv([{k: r[k] for k in SERIES} for r in weekly],
                       downloaded_csv(page, "series"))
    counts = [{"type": t, "count": n} for t, n in summary["event_counts"].items()]
    assert same_as_csv(counts, downloaded_csv(page, "event-counts"))


def test_a_company_below_the_threshold_sees_not_enough_data_yet(
    page: Page, demo: DemoServer,
) -> None:
    token = demo.company_token("demo-tiny")
    visit(page, demo, f"/dashboard/company-page?t={token}", "company-not-enough")
    company = dashboard(demo, token, "company")
    assert company["status"] == "not enough data yet"
    assert "Not enough data yet" in page.inner_text("#withheld")
    assert card(page, "players")[0] == company["players"]
    assert page.locator("#table-series").count() == 0


def test_a_revoked_token_is_refused_on_the_page(page: Page, demo: DemoServer) -> None:
    old = demo.company_token("demo-globex")
    demo.company_token("demo-globex")  # a new one revokes the old
    visit(page, demo, f"/dashboard/company-page?t={old}", "company-revoked")
    assert "forbidden" in page.inner_text("#status")
