"""The app the OpenAPI tests generate requests for, its schemathesis schema, credentials."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from conftest import ADMIN_KEY, API_KEYS, INGEST_KEY, READ_KEY
from schemathesis.python.asgi import shutdown_lifespans

from questlog.achievements.tokens import PlayerTokens
from questlog.api.app import create_app
from questlog.settings import Settings

SECRET = "fuzz-player-token-secret"
# On the store the test session uses, like the `settings` fixture: the real server's
# tier fuzzes it too.
# The fuzzing asks what the answer to each request is, not how fast a shared machine
# gets to it: the store's deadlines are long enough that a stall of the process is
# never a 503, as in the `settings` fixture (a CI run once answered one generated POST
# store_unavailable after 3 s, while the collector walked apps of earlier tests that
# FastAPI kept: conftest.FASTAPI_CACHES). The deadlines have tests of their own
# (tests/api/test_store_deadlines.py). An erasure
# answers at once instead of after its second sweep's wait (1 s + the write deadline,
# which every DELETE of a player paid, most of this module's time): what that wait is
# for is tested in tests/access/test_erasure_window.py.
SETTINGS = Settings(
    _env_file=None,  # type: ignore[call-arg]
    mongodb_url=os.environ.get("QUESTLOG_TEST_MONGODB_URL") or "memory", env="development",
    api_keys=API_KEYS, player_token_secret=SECRET, scheduler_enabled=False,
    database=f"questlog_fuzz_{os.getpid()}",
    write_deadline_seconds=60, read_deadline_seconds=60, erasure_settle_seconds=0,
)
APP = create_app(SETTINGS)
SCHEMA = schemathesis.openapi.from_dict(APP.openapi())
SCHEMA.app = APP  # sent in process, through the ASGI app (schemathesis runs its lifespan)
# The live stream is left out: a server-sent stream does not end (its own tests in
# tests/live and tests/api read it with ?seconds=), so a generated request would wait for ever.
STREAMS = {"/api/v1/events/stream"}
OPERATIONS = [op for op in (result.ok() for result in SCHEMA.get_all_operations())
              if op.path not in STREAMS]
TOKEN = PlayerTokens(secret=SECRET, ttl=timedelta(days=1)).issue(
    "player-1", now=datetime.now(UTC)
).token
CREDENTIALS = {"ingest": INGEST_KEY, "read": READ_KEY, "admin": ADMIN_KEY, "player": TOKEN,
               "none": None}


@pytest.fixture(scope="module", autouse=True)
def app_stops_after_the_module() -> Iterator[None]:
    yield
    shutdown_lifespans()  # schemathesis keeps the app's lifespan running until told
