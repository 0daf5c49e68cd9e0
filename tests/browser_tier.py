"""The browser tier (tests/dashboard): a `questlog serve` holding `questlog demo` data, and
headless Chromium; tests/conftest.py imports these hooks and fixtures.

Without Chromium (or playwright) the tests marked `browser` are deselected and the
terminal summary says so, and why; under CI (CI=true) they fail instead, since CI
installs Chromium.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from questlog.dashboard.browse import DemoServer, demo_server, launch, missing_browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

NOT_RUN: list[str] = []
# (page, seconds until its figures are shown, until its charts are drawn), in the summary
LOAD_TIMES: list[tuple[str, float, float]] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    why = missing_browser()
    if why is None or os.environ.get("CI") == "true":
        return
    browser = [item for item in items if item.get_closest_marker("browser")]
    if browser:
        NOT_RUN.append(f"{len(browser)} browser tests were NOT run: {why}")
        config.hook.pytest_deselected(items=browser)
        items[:] = [item for item in items if not item.get_closest_marker("browser")]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in NOT_RUN:
        terminalreporter.write_sep("=", line, red=True, bold=True)
    if LOAD_TIMES:
        terminalreporter.write_sep(
            "-", "dashboard pages: seconds until figures shown / charts drawn (not asserted)")
        for name, shown, drawn in LOAD_TIMES:
            terminalreporter.write_line(f"  {name:<28} {shown:.3f}  {drawn:.3f}")


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with demo_server(tmp_path_factory.mktemp("demo") / "data") as server:
        yield server


# Per module, not per session: sync Playwright runs an event loop of its own while it is
# open, which the asyncio tests of the modules after it must not find running.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    why = missing_browser()
    if why:
        pytest.fail(f"the browser tests cannot run: {why}", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"the page raised: {errors}"
