"""Every route bounds its body, and reads none of it before the credential was accepted.

A counting body stream tells how much of a body the server pulled: nothing for a
request without a valid credential, at most its limit (plus one chunk) for a valid one.
tests/api/memory_probe.py shows the same with the process's memory.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ADMIN_KEY, INGEST_KEY, READ_KEY
from events_http import BATCH, EVENTS, REJECTED, data_of, error_of

from questlog.bootstrap import Questlog

CHUNK = 64 * 1024
BODY_BYTES = 50 * 1024 * 1024
ROLLUP, REDEEM = "/api/v1/jobs/rollup", "/api/v1/achievements/redeem"
# The seeds' own event routes, bounded as Questlog's own event routes are.
SEED_EVENTS = ["/api/v1/telemetry/events", "/api/v1/telemetry/batch", "/v1/telemetry/events",
               "/events"]
EVENT_ROUTES = {EVENTS, BATCH, *SEED_EVENTS}
# route -> the key that may call it
ROUTES = {
    EVENTS: INGEST_KEY, BATCH: INGEST_KEY, ROLLUP: ADMIN_KEY, REDEEM: ADMIN_KEY,
    **dict.fromkeys(SEED_EVENTS, INGEST_KEY),
    "/api/v1/companies": ADMIN_KEY, "/api/v1/keys": ADMIN_KEY,
    "/api/v1/players/p-1/token": ADMIN_KEY,
}


class CountingBody:
    """An endless-looking body of `size` bytes that counts what the server read of it."""

    def __init__(self, size: int = BODY_BYTES) -> None:
        self.size, self.pulled = size, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = b'{"events": [' + b" " * (CHUNK - 12)
        while self.pulled < self.size:
            self.pulled += len(chunk)
            yield chunk
            chunk = b" " * CHUNK
            await asyncio.sleep(0)  # let concurrent requests interleave, as on a network


def limit_of(questlog: Questlog, route: str) -> int:
    settings = questlog.settings
    return settings.max_body_bytes if route in EVENT_ROUTES else settings.max_small_body_bytes


async def post_counting(
    app: Any, route: str, key: str | None, *, declared: bool = False
) -> tuple[httpx.Response, CountingBody]:
    body = CountingBody()
    headers = {"content-type": "application/json"}
    if key is not None:
        headers["authorization"] = f"Bearer {key}"
    if declared:
        headers["content-length"] = str(body.size)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://questlog") as client:
        response = await client.post(route, content=body, headers=headers)
    return response, body


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "key", [None, "not-a-key", "qlp1.forged.token"], ids=["none", "wrong", "forged-token"]
)
async def test_a_large_body_without_a_valid_credential_is_401_and_never_read(
    app_and_questlog: tuple[Any, Questlog], route: str, key: str | None
) -> None:
    response, body = await post_counting(app_and_questlog[0], route, key)

    error_of(response, 401, "unauthorized")
    assert body.pulled == 0


@pytest.mark.parametrize(("route", "key"), [(EVENTS, READ_KEY), (BATCH, READ_KEY),
                                            (ROLLUP, INGEST_KEY), (REDEEM, READ_KEY)])
async def test_a_large_body_with_a_key_lacking_the_scope_is_403_and_never_read(
    app_and_questlog: tuple[Any, Questlog], route: str, key: str
) -> None:
    response, body = await post_counting(app_and_questlog[0], route, key)

    error_of(response, 403, "forbidden")
    assert body.pulled == 0


async def test_a_large_body_with_a_player_token_on_an_admin_route_is_never_read(
    app_and_questlog: tuple[Any, Questlog], admin_client: httpx.AsyncClient
) -> None:
    token = data_of(await admin_client.post("/api/v1/players/p-1/token"))["token"]

    response, body = await post_counting(app_and_questlog[0], ROLLUP, token)

    error_of(response, 403, "forbidden")
    assert body.pulled == 0


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length"])
@pytest.mark.parametrize("route", ROUTES)
async def test_a_body_past_the_limit_with_the_right_key_is_413_read_no_further(
    app_and_questlog: tuple[Any, Questlog], route: str, declared: bool
) -> None:
    app, questlog = app_and_questlog
    limit = limit_of(questlog, route)

    response, body = await post_counting(app, route, ROUTES[route], declared=declared)

    code = "batch_too_large" if route in EVENT_ROUTES else "body_too_large"
    assert f"over {limit} bytes" in error_of(response, 413, code)["message"]
    assert body.pulled <= (CHUNK if declared else limit + CHUNK)


async def test_a_player_token_redeeming_with_a_large_body_is_cut_at_the_limit(
    app_and_questlog: tuple[Any, Questlog], admin_client: httpx.AsyncClient
) -> None:
    app, questlog = app_and_questlog
    token = data_of(await admin_client.post("/api/v1/players/p-1/token"))["token"]

    response, body = await post_counting(app, REDEEM, token)

    error_of(response, 413, "body_too_large")
    assert body.pulled <= questlog.settings.max_small_body_bytes + CHUNK


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length"])
async def test_an_event_body_past_the_limit_leaves_a_record_in_the_quarantine(
    app_and_questlog: tuple[Any, Questlog], admin_client: httpx.AsyncClient, declared: bool
) -> None:
    app, questlog = app_and_questlog

    response, body = await post_counting(app, BATCH, INGEST_KEY, declared=declared)
    error_of(response, 413, "batch_too_large")

    [kept] = data_of(await admin_client.get(REJECTED))
    assert (kept["code"], kept["index"], kept["raw_truncated"]) == ("batch_too_large", None, True)
    assert kept["api_key"].startswith("key:")
    assert kept["raw"].startswith('{"events": [')
    assert len(kept["raw"]) <= 1024
    if declared:
        assert kept["size"] == BODY_BYTES
    else:
        assert questlog.settings.max_body_bytes < kept["size"] <= body.pulled


def test_memory_stays_bounded_under_concurrent_large_bodies() -> None:
    """8 concurrent 50 MB bodies per route and credential (none, wrong, right) in a fresh
    process: its peak RSS grows by less than the bound memory_probe.py states."""
    probe = Path(__file__).with_name("memory_probe.py")
    run = subprocess.run(
        [sys.executable, str(probe)], capture_output=True, text=True, timeout=300, check=False
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert "within bounds" in run.stdout, run.stdout
