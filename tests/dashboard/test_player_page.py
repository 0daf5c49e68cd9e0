"""A player's page, opened with the link holding their token: their achievements as the
API gives them to that token, and a reward redeemed with a click."""

from __future__ import annotations

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

from questlog.dashboard.browse import DemoServer

pytestmark = pytest.mark.browser
CANDIDATES = [f"{company}-{i:02d}" for company in ("globex", "acme") for i in range(1, 10)]


def listing(demo: DemoServer, token: str) -> list[dict[str, object]]:
    response = demo.api("/api/v1/achievements", credential=token)
    assert response.status_code == 200, response.text
    rows = []
    for a in response.json()["data"]:
        progress = a["progress"]
        rows.append({"name": a["name"], "tier": progress["tier"], "percent": progress["percent"],
                     "value": progress["value"], "threshold": progress["threshold"],
                     "unlocked_at": progress["unlocked_at"], "redeemed": progress["redeemed"]})
    return rows


def statesman(demo: DemoServer) -> str:
    """The token of a demo player who unlocked Statesman (a reward) and has not redeemed it."""
    for player in CANDIDATES:
        token = demo.player_token(player)
        found = {row["name"]: row for row in listing(demo, token)}.get("Statesman")
        if found and found["unlocked_at"] and not found["redeemed"]:  # hidden until unlocked
            return token
    raise AssertionError("no demo player unlocked Statesman")


def test_a_player_sees_their_progress_and_redeems_a_reward(page: Page, demo: DemoServer) -> None:
    token = statesman(demo)
    visit(page, demo, f"/dashboard/player?token={token}", "player")
    keys = ["name", "tier", "percent", "value", "threshold", "unlocked_at", "redeemed"]
    before = listing(demo, token)
    assert only(table(page, "achievements"), keys) == before
    unlocked = sum(1 for row in before if row["unlocked_at"] is not None)
    assert page.inner_text("#card-unlocked .value") == fmt(unlocked)
    assert unlocked > 0
    lines = downloaded_csv(page, "achievements")
    assert same_as_csv(before, [{k: line[k] for k in keys} for line in lines])

    button = page.locator("#redeem-statesman")
    assert button.is_visible()
    changed(page, button.click)
    after = {row["name"]: row for row in listing(demo, token)}
    assert after["Statesman"]["redeemed"] is True
    assert page.locator("#table-achievements tr:has-text('Statesman') .badge").inner_text() == (
        "redeemed")


def test_a_player_sees_their_sessions_trends_and_model(page: Page, demo: DemoServer) -> None:
    token = demo.player_token("acme-01")
    visit(page, demo, f"/dashboard/player?token={token}", "player-sessions")
    sessions = demo.api("/api/v1/players/acme-01/sessions", credential=token, page_size="200")
    model = demo.api("/api/v1/players/acme-01/model", credential=token).json()["data"]
    rows = sessions.json()["data"]
    keys = ["started_at", "session_id", "status", "event_count", "features.fta_level",
            "features.repetition_burden", "features.earth_score_bucket"]
    assert only(table(page, "sessions"), keys) == projected(rows, keys)
    assert card(page, "sessions")[0] == sessions.json()["meta"]["total"]
    assert card(page, "prediction") == (model["prediction"], fmt(model["prediction"], "float"))
    assert card(page, "model-status")[0] == model["status"] == "trained"
    earth = sorted((r for r in rows if "fta_level" in r["features"]), key=lambda r: r["started_at"])
    assert same_as_csv(projected(earth, ["started_at", "features.fta_level"]),
                       downloaded_csv(page, "chart-fta"))
    assert earth


def test_the_page_without_a_token_says_what_to_open(page: Page, demo: DemoServer) -> None:
    visit(page, demo, "/dashboard/player", "player-no-token")
    assert "token" in page.inner_text("#no-token")


def test_a_player_token_that_may_ingest_plays_a_demo_session(page: Page, demo: DemoServer,
                                                             ) -> None:
    token = demo.player_token("acme-02", scopes=("read", "ingest"))
    visit(page, demo, f"/dashboard/player?token={token}", "player-demo-session")
    before = demo.api("/api/v1/players/acme-02/sessions", credential=token,
                      page_size="200").json()["meta"]["total"]

    changed(page, page.locator("#demo-session").click)

    listed = demo.api("/api/v1/players/acme-02/sessions", credential=token, page_size="200")
    assert card(page, "sessions")[0] == listed.json()["meta"]["total"] == before + 1
    played = [s for s in listed.json()["data"] if s["session_id"].startswith("demo-")]
    assert len(played) == 1
    assert played[0]["status"] == "closed"
    assert 0 < played[0]["features"]["fta_level"] <= 1
    assert {"session_id": played[0]["session_id"]} in only(table(page, "sessions"), ["session_id"])


def test_a_read_only_player_token_has_no_demo_session_button(page: Page, demo: DemoServer,
                                                             ) -> None:
    visit(page, demo, f"/dashboard/player?token={demo.player_token('acme-02')}", "player-read")
    assert page.locator("#demo-session").count() == 0
