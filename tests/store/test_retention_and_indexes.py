"""The raw events TTL index follows QUESTLOG_RAW_TTL_DAYS across restarts; read indexes exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import mongomock_motor
import pytest
from conftest import API_KEYS, READ_INDEX_KEYS, bill_vote
from mongomock_motor import AsyncMongoMockClient
from pydantic import ValidationError

from questlog import bootstrap
from questlog.bootstrap import Questlog
from questlog.bus import Bus
from questlog.ingest.service import Ingestor
from questlog.settings import Settings
from questlog.store import memory

DAY = 86_400


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> AsyncMongoMockClient:
    """Every start in this test opens the same in-memory server, as a restart would."""
    server = AsyncMongoMockClient(tz_aware=True)
    monkeypatch.setattr(mongomock_motor, "AsyncMongoMockClient", lambda **_: server)
    return server


def env_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(f"QUESTLOG_{name.upper()}", value)
    return Settings(  # on the in-memory store, whose client the fixture above shares
        _env_file=None,  # type: ignore[call-arg]
        mongodb_url="memory", database="retention_test", api_keys=API_KEYS, scheduler_enabled=False,
    )


async def ttl_index(questlog: Questlog) -> dict[str, object]:
    indexes = await questlog.store.database["events"].index_information()
    [ttl] = [index for index in indexes.values() if "expireAfterSeconds" in index]
    return ttl


async def test_raw_events_expire_14_days_after_they_were_received(questlog: Questlog) -> None:
    ttl = await ttl_index(questlog)

    assert ttl["key"] == [("received_at", 1)]
    assert ttl["expireAfterSeconds"] == 14 * DAY


async def test_retention_comes_from_questlog_raw_ttl_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = await bootstrap.start(env_settings(monkeypatch, raw_ttl_days="3"))
    try:
        assert (await ttl_index(started))["expireAfterSeconds"] == 3 * DAY
    finally:
        await started.close()


@pytest.mark.usefixtures("server")
async def test_changed_retention_applies_at_restart_and_keeps_the_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = await bootstrap.start(env_settings(monkeypatch, raw_ttl_days="14"))
    for n in range(3):
        await first.log_event(bill_vote(event_id=f"e-{n}"))
    await first.close()

    second = await bootstrap.start(env_settings(monkeypatch, raw_ttl_days="30"))
    try:
        assert (await ttl_index(second))["expireAfterSeconds"] == 30 * DAY
        assert (await ttl_index(second))["key"] == [("received_at", 1)]
        assert await second.store.database["events"].count_documents({}) == 3
    finally:
        await second.close()


async def test_unchanged_retention_leaves_the_index_alone_at_restart(
    monkeypatch: pytest.MonkeyPatch, server: AsyncMongoMockClient
) -> None:
    await (await bootstrap.start(env_settings(monkeypatch))).close()

    async def no_drop(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the TTL index was dropped although its setting did not change")

    monkeypatch.setattr(type(server["retention_test"]["events"]), "drop_index", no_drop)
    again = await bootstrap.start(env_settings(monkeypatch))
    try:
        assert (await ttl_index(again))["expireAfterSeconds"] == 14 * DAY
    finally:
        await again.close()


def test_retention_below_one_day_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="raw_ttl_days"):
        env_settings(monkeypatch, raw_ttl_days="0")


async def test_indexes_the_reads_need_exist(questlog: Questlog) -> None:
    indexes = await questlog.store.database["events"].index_information()

    keys = {tuple(index["key"]) for index in indexes.values()}
    assert keys >= READ_INDEX_KEYS


async def test_events_received_longer_ago_than_the_ttl_expire(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(memory, "TTL_SWEEP_SECONDS", 0)  # sweep at every read
    started = await bootstrap.start(env_settings(monkeypatch))
    events = started.store.database["events"]
    received_long_ago = datetime.now(UTC) - started.settings.raw_ttl - timedelta(minutes=1)
    late = Ingestor(
        settings=started.settings, events=events,
        rejected=started.store.database["rejected_events"], bus=Bus(max_queue=1),
        clock=lambda: received_long_ago,
    )
    try:
        await late.ingest([bill_vote(event_id="expired")])
        await started.log_event(bill_vote(event_id="fresh"))

        assert [d["_id"] async for d in events.find({})] == ["fresh"]
    finally:
        await started.close()
