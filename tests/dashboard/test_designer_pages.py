"""Designers' pages in headless Chromium, on a server holding `questlog demo` data: what
each page shows equals the API's answer, its controls reload it, its CSV holds the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page
from shown import (
    card,
    changed,
    downloaded_csv,
    fmt,
    only,
    projected,
    same_as_csv,
    table,
    visit,
)

from questlog.dashboard.browse import DemoServer, sign_in

pytestmark = pytest.mark.browser


def days_back(days: int) -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()}


def api(demo: DemoServer, path: str, **params: str) -> list[dict[str, object]]:
    response = demo.api(path, **params)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert isinstance(data, list | dict)
    return data  # type: ignore[return-value]


def test_sign_in_keeps_the_key_for_the_tab_and_refuses_a_wrong_one(
    page: Page, demo: DemoServer,
) -> None:
    page.goto(f"{demo.url}/dashboard/retention")
    page.wait_for_url("**/dashboard?next=*")
    page.fill("#key", "not-a-key")
    page.click("#signin-button")
    page.wait_for_selector(".status.error")
    assert "unauthorized" in page.inner_text("#status")

    page.fill("#key", demo.admin_key)
    page.click("#signin-button")
    page.wait_for_url("**/dashboard/retention")
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert "admin" in page.inner_text("#who")

    page.click("#signout")
    page.wait_for_url(f"{demo.url}/dashboard")


def test_the_overview_shows_the_apis_figures_and_its_range_control_works(
    page: Page, demo: DemoServer,
) -> None:
    sign_in(page, demo)
    visit(page, demo, "/dashboard/home?days=14", "overview")
    active = api(demo, "/api/v1/analytics/active", **days_back(14))
    sessions = api(demo, "/api/v1/analytics/sessions", **days_back(14))
    today = active[-1]

    assert card(page, "dau") == (today["dau"], fmt(today["dau"]))
    assert card(page, "mau") == (today["mau"], fmt(today["mau"]))
    assert card(page, "returning")[0] == today["returning"]
    assert card(page, "new")[0] == sum(d["new"] for d in active)  # type: ignore[misc]
    totals = sessions["totals"]  # type: ignore[call-overload]
    assert card(page, "sessions") == (totals["sessions"], fmt(totals["sessions"]))
    assert card(page, "median-length") == (totals["median_length_s"],
                                           fmt(totals["median_length_s"], "min"))
    keys = ["day", "dau", "wau", "mau", "new", "returning"]
    assert table(page, "active") == projected(active, keys)
    # The demo's days have players (today may not yet, just after midnight UTC).
    assert max(d["dau"] for d in active) > 0  # type: ignore[type-var]

    changed(page, lambda: page.select_option("#ctl-days", "7"))
    week = api(demo, "/api/v1/analytics/active", **days_back(7))
    assert table(page, "active") == projected(week, keys)
    assert "days=7" in page.url
    assert same_as_csv(projected(week, keys), downloaded_csv(page, "active"))
    assert same_as_csv(projected(week, ["day", "dau", "wau", "mau"]),
                       downloaded_csv(page, "chart-active"))


def test_a_company_scope_shows_its_figures_or_not_enough_data(
    page: Page, demo: DemoServer,
) -> None:
    sign_in(page, demo)
    visit(page, demo, "/dashboard/home?days=14&company_id=demo-acme", "overview-company")
    active = api(demo, "/api/v1/analytics/active", company_id="demo-acme", **days_back(14))
    assert table(page, "active") == projected(
        active, ["day", "dau", "wau", "mau", "new", "returning"])

    changed(page, lambda: page.select_option("#ctl-company_id", "demo-tiny"))
    assert "Not enough data yet" in page.inner_text("#withheld")
    tiny = demo.api("/api/v1/analytics/active", company_id="demo-tiny", **days_back(14))
    assert tiny.json()["error"]["code"] == "below_privacy_threshold"


def test_event_type_stats_follow_the_bucket_control(page: Page, demo: DemoServer) -> None:
    sign_in(page, demo)
    visit(page, demo, "/dashboard/stats?type=LOBBY_ATTEMPT&days=14", "stats")
    keys = ["period_start", "count", "distinct_users", "success_rate", "fields.spend.avg",
            "fields.spend.min", "fields.spend.max"]
    daily = api(demo, "/api/v1/stats", type="LOBBY_ATTEMPT", period="daily", **days_back(14))
    assert only(table(page, "stats"), keys) == projected(daily, keys)

    changed(page, lambda: page.select_option("#ctl-period", "weekly"))
    weekly = api(demo, "/api/v1/stats", type="LOBBY_ATTEMPT", period="weekly", **days_back(14))
    assert only(table(page, "stats"), keys) == projected(weekly, keys)
    assert len(weekly) >= 2
    lines = downloaded_csv(page, "stats")
    assert same_as_csv(projected(weekly, list(lines[0])), lines)


def test_the_retention_grid_follows_the_cohort_control(page: Page, demo: DemoServer) -> None:
    sign_in(page, demo)
    visit(page, demo, "/dashboard/retention?cohort=day&days=28", "retention")
    keys = ["cohort", "players", "d1", "d7", "d30", "d1_eligible", "d7_eligible", "d30_eligible"]
    daily = api(demo, "/api/v1/analytics/retention", cohort="day", **days_back(28))
    assert table(page, "retention") == projected(daily, keys)
    first = page.locator("#table-retention tbody tr").first.locator("td[data-key='d1']")
    assert first.inner_text() == fmt(daily[0]["d1"], "pct")

    changed(page, lambda: page.select_option("#ctl-cohort", "week"))
    weekly = api(demo, "/api/v1/analytics/retention", cohort="week", **days_back(28))
    assert table(page, "retention") == projected(weekly, keys)
    assert same_as_csv(projected(weekly, keys), downloaded_csv(page, "retention"))
    assert same_as_csv(projected(weekly, ["cohort", "d1", "d7"]), downloaded_csv(page, "chart-d1"))


def test_the_onboarding_funnel_and_a_changed_window(page: Page, demo: DemoServer) -> None:
    sign_in(page, demo)
    visit(page, demo, "/dashboard/funnels?days=28", "funnels")
    keys = ["step", "label", "players", "conversion_from_previous", "conversion_from_first",
            "median_seconds_from_previous", "median_seconds_from_start"]
    shipped = api(demo, "/api/v1/analytics/funnel", name="onboarding", **days_back(28))
    assert table(page, "funnel") == projected(shipped, keys)
    assert shipped[0]["players"] > 0  # type: ignore[operator]

    def one_hour() -> None:
        page.fill("#ctl-window_hours", "1")
        page.press("#ctl-window_hours", "Enter")

    changed(page, one_hour)
    steps = str(api(demo, "/api/v1/analytics/funnels")[0]["steps"])
    hour = api(demo, "/api/v1/analytics/funnel", steps=steps, window_hours="1", **days_back(28))
    assert table(page, "funnel") == projected(hour, keys)
    assert same_as_csv(projected(hour, keys), downloaded_csv(page, "funnel"))


def test_a_breakdown_follows_the_field_control(page: Page, demo: DemoServer) -> None:
    sign_in(page, demo)
    visit(page, demo, "/dashboard/breakdown?type=session_start&field=platform&days=14",
          "breakdown")
    platforms = api(demo, "/api/v1/analytics/breakdown", type="session_start", field="platform",
                    **days_back(14))
    assert table(page, "breakdown") == platforms

    changed(page, lambda: page.select_option("#ctl-field", "region"))
    regions = api(demo, "/api/v1/analytics/breakdown", type="session_start", field="region",
                  **days_back(14))
    assert table(page, "breakdown") == regions
    assert {r["value"] for r in regions} == {"EU", "NA", "APAC"}
    assert same_as_csv(regions, downloaded_csv(page, "breakdown"))


def test_the_event_explorer_filters_and_pages(page: Page, demo: DemoServer) -> None:
    sign_in(page, demo)
    visit(page, demo, "/dashboard/events?type=AttemptSubmitted&page_size=25", "events")
    keys = ["event_time", "type", "user_id", "company_id", "session_id", "event_id"]
    first = api(demo, "/api/v1/events", type="AttemptSubmitted", page_size="25")
    assert only(table(page, "events"), keys) == projected(first, keys)

    changed(page, lambda: page.click("#next"))
    second = api(demo, "/api/v1/events", type="AttemptSubmitted", page_size="25", page="2")
    assert only(table(page, "events"), keys) == projected(second, keys)

    def one_player() -> None:
        page.fill("#ctl-user_id", "acme-01")
        page.press("#ctl-user_id", "Enter")

    changed(page, one_player)
    mine = api(demo, "/api/v1/events", type="AttemptSubmitted", user_id="acme-01",
               page_size="25", page="2")
    assert only(table(page, "events"), keys) == projected(mine, keys)
    lines = downloaded_csv(page, "events")
    assert [line["event_id"] for line in lines] == [e["event_id"] for e in mine]


def test_admins_see_job_runs_and_rejections(page: Page, demo: DemoServer) -> None:
    rejected = demo.api("/api/v1/events/rejected")
    sign_in(page, demo)
    visit(page, demo, "/dashboard/admin", "admin")
    runs = api(demo, "/api/v1/jobs/runs", page_size="50")
    assert [r["job"] for r in table(page, "runs")] == [r["job"] for r in runs]
    assert len(table(page, "rejected")) == len(rejected.json()["data"])
    assert len(runs) >= 1


def test_the_live_view_shows_an_event_moments_after_it_is_stored(
    page: Page, demo: DemoServer,
) -> None:
    sign_in(page, demo)
    visit(page, demo, "/dashboard/home?days=7", "overview-live")
    page.wait_for_function(
        "() => document.getElementById('live-state').textContent.startsWith('connected')")
    # No player: the other tests' player counts stay as they were.
    response = httpx.post(f"{demo.url}/api/v1/events", headers={
        "Authorization": f"Bearer {demo.admin_key}"}, json={
        "type": "BILL_VOTE", "company_id": "live-viewer-test", "bill_id": "hb-1",
        "stance": "yea", "seat_weight": 1.0, "lobby_payments_count": 0})
    assert response.status_code == 202, response.text
    page.wait_for_selector("#live-events .live-event:has-text('live-viewer-test')")
