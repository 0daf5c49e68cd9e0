"""Shared fixtures: an app on a fresh store per test, and HTTP clients with keys.

The store is the in-memory one (mongomock) unless a test is marked `mongodb`, or lives
in tests/api, whose tests run on both: then it is the session's real server.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fastapi.dependencies.models
import httpx
import pymongo
import pytest
from browser_tier import (  # noqa: F401  (the browser tier's hooks and fixtures)
    chromium,
    demo,
    page,
    pytest_collection_modifyitems,
    pytest_terminal_summary,
)

from questlog import bootstrap
from questlog.api.app import create_app
from questlog.bootstrap import Questlog
from questlog.settings import Settings
from questlog.store.connection import store_kind
from questlog.store.local import LocalServerError, ServerOptions, ensure_running

# The test session's own server: expiry within a second, and no fsync per commit
# (durability is not what the tests measure; the fsync would only slow them).
TEST_SERVER = ServerOptions(ttl_sweep_seconds=1, sync_on_commit=False)
API_TESTS = Path(__file__).parent / "api"
KEEP_ALL_SAMPLING = Path(__file__).parent / "keep_all_sampling.yaml"
INGEST_KEY, READ_KEY, ADMIN_KEY = "test-ingest", "test-read", "test-admin"
API_KEYS = f"{INGEST_KEY}:ingest;{READ_KEY}:read;{ADMIN_KEY}:admin"
# The raw events' indexes the reads need (seed 003 section 8, and sessions).
READ_INDEX_KEYS = {
    (("type", 1), ("event_time", -1)),
    (("company_id", 1), ("type", 1), ("event_time", -1)),
    (("user_id", 1), ("type", 1), ("event_time", -1)),
    (("session_id", 1), ("event_time", -1)),
}


# FastAPI remembers what kind of callable each endpoint and dependency is, for the last
# 4,096 it saw (functools caches in fastapi.dependencies.models). Questlog's endpoints
# close over their app, so those caches kept the apps of some forty earlier tests alive,
# each with its store: the test process grew to over 8 million objects, and a full
# collection then stalled it for up to 7 s (a 3 s store deadline passed in CI).
FASTAPI_CACHES = [value for value in vars(fastapi.dependencies.models).values()
                  if callable(getattr(value, "cache_clear", None))]


def forget_endpoints() -> None:
    """FastAPI forgets the endpoints it saw (see FASTAPI_CACHES)."""
    for cache in FASTAPI_CACHES:
        cache.cache_clear()


@pytest.fixture(autouse=True)
def apps_let_go() -> Iterator[None]:
    """After each test, FastAPI forgets its endpoints, so that the test's app, once
    stopped, is freed (tests/api/test_app_freed.py)."""
    yield
    forget_endpoints()


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Commands under test read QUESTLOG_* settings: keep them on a store of their own,
    never a developer's .questlog nor a server the environment names."""
    monkeypatch.setenv("QUESTLOG_MONGODB_URL", "memory")
    monkeypatch.setenv("QUESTLOG_DATA_DIR", str(tmp_path / "questlog-data"))
    for name in ("QUESTLOG_API_KEYS", "QUESTLOG_PLAYER_TOKEN_SECRET",
                 "QUESTLOG_LOCAL_CACHE_SIZE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def real_server_url() -> Iterator[str]:
    """The real-server tier's MongoDB: QUESTLOG_TEST_MONGODB_URL, or one local
    secantusd-rs for the whole session (fresh data dir, a TTL sweep every second).
    When it cannot start, every test that needs it fails and says why: never a skip."""
    if url := os.environ.get("QUESTLOG_TEST_MONGODB_URL"):
        yield url
        return
    # Not under pytest's basetemp: another pytest run on the machine prunes old basetemps,
    # which would delete the data of a server still serving this one.
    data = Path(tempfile.mkdtemp(prefix="questlog-test-server-"))
    try:
        server = ensure_running(data, TEST_SERVER)
    except LocalServerError as exc:
        pytest.fail(f"the real-server tier cannot start its server: {exc}", pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The HTTP tests (tests/api) run on both stores: in memory and on the real server."""
    if "store_under_test" in metafunc.fixturenames and metafunc.definition.path.parent == API_TESTS:
        metafunc.parametrize("store_under_test", ["memory", "server"])


@pytest.fixture
def store_under_test() -> str:
    """`memory` (mongomock) unless a test is marked mongodb or lives in tests/api."""
    return "memory"


@pytest.fixture
def settings(request: pytest.FixtureRequest, store_under_test: str) -> Settings:
    """Settings for one test; a test may override fields with model_copy(update=...)."""
    on_server = store_under_test == "server" or request.node.get_closest_marker("mongodb")
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        mongodb_url=request.getfixturevalue("real_server_url") if on_server else "memory",
        database=f"questlog_test_{os.getpid()}",
        api_keys=API_KEYS,
        scheduler_enabled=False,
        env="development",  # the development secrets, also on a real test server
        sampling_file=KEEP_ALL_SAMPLING,
        # A shared CI machine can stall a store operation for seconds (a write of six
        # events once took over 3 s, the default, and answered 503; so did the collector
        # until FASTAPI_CACHES were cleared); the tests of the deadlines set their own.
        write_deadline_seconds=30.0, read_deadline_seconds=30.0,
        # One process, no request in flight during an erasure: its second sweep need not
        # wait (tests/access/test_erasure_window.py waits, on a clock of its own).
        erasure_settle_seconds=0.0,
    )


def empty_database(settings: Settings) -> None:
    """On a real server, empty every collection of the test database (indexes stay), before
    the app starts: its evaluator and workers must not see an earlier test's documents."""
    if store_kind(settings.mongodb_url) == "memory":
        return
    with pymongo.MongoClient(settings.mongodb_url) as client:
        database = client[settings.database]
        for name in database.list_collection_names():
            database[name].delete_many({})


@pytest.fixture
async def app_and_questlog(settings: Settings) -> AsyncIterator[tuple[Any, Questlog]]:
    empty_database(settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app, app.state.questlog


@pytest.fixture
def questlog(app_and_questlog: tuple[Any, Questlog]) -> Questlog:
    return app_and_questlog[1]


@pytest.fixture
async def sampled(settings: Settings) -> AsyncIterator[Questlog]:
    """Questlog with the shipped sampling policy (the suite's own keeps everything)."""
    questlog = await bootstrap.start(settings.model_copy(update={"sampling_file": None}))
    try:
        yield questlog
    finally:
        await questlog.close()


def _client(app: Any, key: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://questlog", headers=headers
    )


@pytest.fixture
async def ingest_client(app_and_questlog: tuple[Any, Questlog]) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app_and_questlog[0], INGEST_KEY) as client:
        yield client


@pytest.fixture
async def read_client(app_and_questlog: tuple[Any, Questlog]) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app_and_questlog[0], READ_KEY) as client:
        yield client


@pytest.fixture
async def admin_client(app_and_questlog: tuple[Any, Questlog]) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app_and_questlog[0], ADMIN_KEY) as client:
        yield client


@pytest.fixture
async def anonymous_client(
    app_and_questlog: tuple[Any, Questlog],
) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app_and_questlog[0], None) as client:
        yield client


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def bill_vote(**overrides: Any) -> dict[str, Any]:
    """A valid BILL_VOTE event; keyword arguments replace or add fields."""
    event: dict[str, Any] = {
        "type": "BILL_VOTE",
        "user_id": "player-1",
        "company_id": "company-1",
        "bill_id": "bill-7",
        "stance": "yea",
        "seat_weight": 1.5,
        "lobby_payments_count": 2,
    }
    event.update(overrides)
    return event
