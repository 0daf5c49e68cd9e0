"""A served Questlog holding `questlog demo` data, and headless Chromium to look at it:
what `questlog dashboards screenshots` and the browser tests (tests/dashboard) share.

The server is a `questlog serve` process on a local store in a directory of its own;
Chromium is Debian's /usr/bin/chromium (playwright cannot download a browser here).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@dataclass(frozen=True)
class DemoServer:
    url: str
    admin_key: str

    def api(self, path: str, credential: str | None = None, **params: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {credential or self.admin_key}"}
        return httpx.get(self.url + path, params=params, headers=headers, timeout=30)

    def company_token(self, company_id: str) -> str:
        """A new dashboard token of a company (the previous one stops working)."""
        response = httpx.post(f"{self.url}/api/v1/companies/{company_id}/token",
                              headers={"Authorization": f"Bearer {self.admin_key}"}, timeout=30)
        response.raise_for_status()
        token: str = response.json()["data"]["dashboard_token"]
        return token

    def player_token(self, user_id: str, scopes: tuple[str, ...] = ("read",)) -> str:
        response = httpx.post(f"{self.url}/api/v1/players/{user_id}/token",
                              json={"scopes": list(scopes)},
                              headers={"Authorization": f"Bearer {self.admin_key}"}, timeout=30)
        response.raise_for_status()
        token: str = response.json()["data"]["token"]
        return token


def missing_browser() -> str | None:
    """Why Chromium cannot be driven here, or None when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def questlog_command() -> list[str]:
    return [sys.executable, "-m", "questlog.cli"]


@contextmanager
def demo_server(data_dir: Path, *, days: int = 28) -> Iterator[DemoServer]:
    """`questlog demo` into a fresh local store in data_dir, then `questlog serve` on it."""
    # No scheduler: the figures stay as the demo left them while they are compared.
    env = {**os.environ, "QUESTLOG_DATA_DIR": str(data_dir), "QUESTLOG_SCHEDULER_ENABLED": "false"}
    for name in ("QUESTLOG_MONGODB_URL", "QUESTLOG_API_KEYS", "QUESTLOG_PLAYER_TOKEN_SECRET"):
        env.pop(name, None)
    log = (data_dir.parent / f"{data_dir.name}-serve.log").open("w")
    subprocess.run([*questlog_command(), "demo", "--days", str(days)], env=env, check=True,
                   stdout=log, stderr=subprocess.STDOUT)
    port = free_port()
    server = subprocess.Popen([*questlog_command(), "serve", "--port", str(port)], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, server)
        key = json.loads((data_dir / "secrets.json").read_text())["admin_key"]
        yield DemoServer(url=url, admin_key=key)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"questlog serve exited with {server.returncode}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"questlog serve did not answer on {url} within 60 s")


def sign_in(page: Page, server: DemoServer) -> None:
    """Sign in on /dashboard with the admin key, as a designer would."""
    page.goto(f"{server.url}/dashboard")
    page.fill("#key", server.admin_key)
    page.click("#signin-button")
    page.wait_for_url("**/dashboard/home")
    wait_ready(page)


def open_page(page: Page, url: str) -> tuple[float, float]:
    """Open a dashboard page; the seconds until its figures (cards, tables) are shown, and
    until its charts are drawn too (plotly.js is fetched and parsed by the first chart)."""
    started = time.perf_counter()
    page.goto(url)
    wait_ready(page)
    shown = time.perf_counter() - started
    wait_charts(page)
    return shown, time.perf_counter() - started


def wait_ready(page: Page) -> None:
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)


def wait_charts(page: Page) -> None:
    page.wait_for_selector("body[data-charts='1']", timeout=30_000)
