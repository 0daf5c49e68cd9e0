"""`questlog dashboards screenshots`: every page, on demo data, into docs/dashboards/."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from questlog.dashboard.browse import (
    DemoServer,
    demo_server,
    launch,
    missing_browser,
    open_page,
    sign_in,
)

# (file name, path under the server with the tokens it needs)
SHOTS = (
    ("signin", "/dashboard"),
    ("home", "/dashboard/home?days=14"),
    ("stats", "/dashboard/stats?type=LOBBY_ATTEMPT&days=14"),
    ("retention", "/dashboard/retention?cohort=day&days=28"),
    ("funnels", "/dashboard/funnels?days=28"),
    ("breakdown", "/dashboard/breakdown?type=session_start&field=platform&days=14"),
    ("events", "/dashboard/events?type=AttemptSubmitted"),
    ("admin", "/dashboard/admin"),
    ("player", "/dashboard/player?token={player_token}"),
    ("company", "/dashboard/company-page?t={company_token}&days=28"),
    ("company-not-enough", "/dashboard/company-page?t={small_company_token}"),
)
PLAYER = "acme-01"


@contextmanager
def served(url: str | None, key: str | None) -> Iterator[DemoServer]:
    if url and key:
        yield DemoServer(url=url.rstrip("/"), admin_key=key)
        return
    with tempfile.TemporaryDirectory(prefix="questlog-screens-") as scratch, \
            demo_server(Path(scratch) / "data") as server:
        yield server


def take(out: Path, *, url: str | None = None,
         key: str | None = None) -> list[tuple[str, float, float]]:
    """Screenshot every page into `out`; (name, seconds to its figures, to its charts)."""
    why = missing_browser()
    if why:
        raise RuntimeError(f"cannot take screenshots: {why}")
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    timings = []
    with served(url, key) as server, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server.url}/dashboard")
        page.screenshot(path=str(out / "signin.png"))
        sign_in(page, server)
        fills = {"player_token": server.player_token(PLAYER),
                 "company_token": server.company_token("demo-acme"),
                 "small_company_token": server.company_token("demo-tiny")}
        for name, path in SHOTS[1:]:
            shown, drawn = open_page(page, server.url + path.format(**fills))
            page.wait_for_timeout(300)  # charts finish their transition
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            timings.append((name, shown, drawn))
        browser.close()
        if errors:
            raise RuntimeError(f"the pages raised: {errors}")
    return timings
