"""Rate limits (seed 003: bursts such as LOBBY_ATTEMPT): per event `rate_limited`, per
request 429 with Retry-After."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml
from conftest import bill_vote
from events_http import BATCH, EVENTS, data_of, error_of, quarantined
from privacy_http import lobby

from questlog.access.limiter import SharedLimiter
from questlog.access.rate_policy import PolicyError, load_policies
from questlog.access.rates import Rate
from questlog.bootstrap import Questlog
from questlog.settings import Settings

POLICY = {
    "requests_per_key": {"per_second": 0.001, "burst": 3},
    "default": {"per_player": {"per_second": 100, "burst": 1000}},
    "types": {"LOBBY_ATTEMPT": {"per_player": {"per_second": 0.001, "burst": 3}}},
}


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    path = tmp_path / "limits.yaml"
    path.write_text(yaml.safe_dump(POLICY))
    return settings.model_copy(update={"rate_limits_file": path})


async def test_a_burst_over_a_types_limit_is_rejected_per_event(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    events = [lobby() for _ in range(5)] + [lobby(user_id="player-2"), bill_vote()]

    result = data_of(await ingest_client.post(BATCH, json={"events": events}))

    assert result["accepted"] == 5
    assert [(r["index"], r["code"]) for r in result["rejections"]] == [
        (3, "rate_limited"), (4, "rate_limited")]
    assert [q["code"] for q in await quarantined(questlog)] == ["rate_limited"] * 2


async def test_one_event_over_the_limit_answers_429_with_retry_after(
    ingest_client: httpx.AsyncClient,
) -> None:
    await ingest_client.post(BATCH, json={"events": [lobby() for _ in range(3)]})

    answer = await ingest_client.post(EVENTS, json=lobby())

    error_of(answer, 429, "rate_limited")
    assert int(answer.headers["retry-after"]) >= 1


async def test_a_key_over_its_request_budget_answers_429_with_retry_after(
    ingest_client: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    answers = [await ingest_client.post(BATCH, json={"events": []}) for _ in range(4)]
    other_key = await admin_client.post(BATCH, json={"events": []})

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    error_of(answers[-1], 429, "rate_limited")
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert other_key.status_code == 200


@pytest.mark.parametrize("enabled", [False])
async def test_limits_can_be_switched_off(settings: Settings, enabled: bool) -> None:
    from questlog.api.app import create_app

    app = create_app(settings.model_copy(update={"rate_limits_enabled": enabled}))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://questlog",
        headers={"Authorization": "Bearer test-ingest"},
    ) as client:
        result = data_of(await client.post(BATCH, json={"events": [lobby() for _ in range(5)]}))
        answers = [await client.post(BATCH, json={"events": []}) for _ in range(4)]

    assert result["accepted"] == 5
    assert {a.status_code for a in answers} == {200}


async def test_the_shared_limiter_keeps_one_bucket_for_every_process(questlog: Questlog) -> None:
    collection = questlog.store.database["rate_buckets"]
    first, second = SharedLimiter(collection), SharedLimiter(collection)
    rate = Rate(per_second=0.001, burst=2)

    a = await first.take([[("k", rate)]], 1000.0)
    b = await second.take([[("k", rate)], [("k", rate)]], 1000.5)

    assert (a.granted, b.granted) == ([True], [True, False])
    assert b.retry_after > 0


def test_a_bad_policy_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "limits.yaml"
    path.write_text(yaml.safe_dump({"default": {"per_player": {"per_second": -1, "burst": 1}}}))

    with pytest.raises(PolicyError, match="rate limits"):
        load_policies(path)


def test_the_shipped_policy_gives_seed_003s_high_volume_types_their_own() -> None:
    policies = load_policies(None)

    assert policies.of("LOBBY_ATTEMPT") != policies.default
    assert policies.of("NAVIGATE_NEXT") == policies.default
    assert policies.requests_per_key is not None


async def accepted_by_two_processes(settings: Settings) -> list[int]:
    """Two API processes on one store, each sent two LOBBY_ATTEMPTs of one player."""
    from contextlib import AsyncExitStack

    from questlog.api.app import create_app

    answers = []
    async with AsyncExitStack() as stack:
        apps = [create_app(settings) for _ in range(2)]
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
        database = apps[0].state.questlog.store.database  # as the fixtures leave it: empty
        for name in await database.list_collection_names():  # (an earlier test's opt-outs)
            await database[name].delete_many({})
        for app in apps:
            client = await stack.enter_async_context(httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://questlog",
                headers={"Authorization": "Bearer test-ingest"}))
            result = data_of(await client.post(BATCH, json={"events": [lobby(), lobby()]}))
            answers.append(result["accepted"])
    return answers


@pytest.mark.mongodb
async def test_with_a_shared_limiter_processes_share_one_budget(settings: Settings) -> None:
    shared = settings.model_copy(update={"rate_limit_shared": True})

    assert await accepted_by_two_processes(shared) == [2, 1]
    assert await accepted_by_two_processes(settings) == [2, 2]  # in process: each its own
