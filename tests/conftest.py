"""Shared fixtures: an app on a fresh in-memory store per test, and HTTP clients with keys."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from questlog.api.app import create_app
from questlog.bootstrap import Questlog
from questlog.settings import Settings

INGEST_KEY, READ_KEY, ADMIN_KEY = "test-ingest", "test-read", "test-admin"
API_KEYS = f"{INGEST_KEY}:ingest;{READ_KEY}:read;{ADMIN_KEY}:admin"
# The raw events' indexes the reads need (seed 003 section 8, and sessions).
READ_INDEX_KEYS = {
    (("type", 1), ("event_time", -1)),
    (("company_id", 1), ("type", 1), ("event_time", -1)),
    (("user_id", 1), ("type", 1), ("event_time", -1)),
    (("session_id", 1), ("event_time", -1)),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("QUESTLOG_TEST_MONGODB_URL"):
        return
    skip = pytest.mark.skip(reason="needs a real MongoDB: set QUESTLOG_TEST_MONGODB_URL")
    for item in items:
        if "mongodb" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def settings() -> Settings:
    """Settings for one test; a test may override fields with model_copy(update=...)."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        mongodb_url=os.environ.get("QUESTLOG_TEST_MONGODB_URL") or None,
        database=f"questlog_test_{os.getpid()}",
        api_keys=API_KEYS,
        scheduler_enabled=False,
        env="development",  # the development secrets, also on a real test server
    )


@pytest.fixture
async def app_and_questlog(settings: Settings) -> AsyncIterator[tuple[Any, Questlog]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        questlog: Questlog = app.state.questlog
        if questlog.store.persistent:  # a real server: start every test from an empty database
            for name in await questlog.store.database.list_collection_names():
                await questlog.store.database[name].delete_many({})
        yield app, questlog


@pytest.fixture
def questlog(app_and_questlog: tuple[Any, Questlog]) -> Questlog:
    return app_and_questlog[1]


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
