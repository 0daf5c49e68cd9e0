"""The sampling policy: seed 002's table by default, validated at start, deterministic
per player and type, the same decision as the Python client's, enforced by the server
with the rate stored on each kept event, and lowered for heartbeats under held load."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import KEEP_ALL_SAMPLING

from questlog import bootstrap
from questlog.bootstrap import Questlog
from questlog.client.policy import in_sample
from questlog.ops.sampling import LoadSignal, PolicyError, Sampler, keeps, load_policy, rate_of
from questlog.settings import Settings

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)


def gameplay(event_type: str, user: str, **fields: Any) -> dict[str, Any]:
    return {"type": event_type, "user_id": user, "client_guid": f"g-{user}", "build": "1",
            "platform": "pc", "shard": "eu", **fields}


def test_the_default_policy_is_seed_002s_table() -> None:
    policy = load_policy(None)
    rates = {
        "session_start": 1.0, "session_crash": 1.0, "skill_rank_up": 1.0, "xp_gain": 0.3,
        "loot_drop": 0.3, "party_join": 0.5, "client_tick": 0.1, "BILL_VOTE": 1.0,
    }
    for event_type, rate in rates.items():
        assert rate_of(policy, {"type": event_type}) == rate, event_type
    assert rate_of(policy, {"type": "damage_dealt", "encounter_tier": "boss"}) == 1.0
    assert rate_of(policy, {"type": "damage_dealt", "encounter_tier": "elite"}) == 1.0
    assert rate_of(policy, {"type": "damage_dealt", "encounter_tier": "normal"}) == 0.5


@pytest.mark.parametrize(
    ("rule", "named"),
    [({"name": "x", "types": ["no_such_type"], "rate": 0.5}, "no_such_type"),
     ({"name": "x", "types": ["xp_gain"], "when": {"nope": [1]}, "rate": 0.5}, "nope"),
     ({"name": "x", "types": ["xp_gain"], "rate": 0}, "rate"),
     ({"name": "x", "types": ["xp_gain"], "rate": 1.5}, "rate")],
)
def test_a_bad_policy_is_refused_naming_what_is_wrong(
    tmp_path: Path, rule: dict[str, Any], named: str
) -> None:
    import yaml

    path = tmp_path / "sampling.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "rules": [rule]}))
    with pytest.raises(PolicyError, match=named):
        load_policy(path)


async def test_questlog_does_not_start_on_a_bad_policy(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "sampling.yaml"
    path.write_text("version: 1\nrules: [{name: x, types: [xp_gain], rate: 2}]\n")
    with pytest.raises(PolicyError, match=str(path)):
        await bootstrap.start(settings.model_copy(update={"sampling_file": path}))


def test_the_decision_is_the_python_clients_and_keeps_whole_players() -> None:
    policy = load_policy(None)
    for i in range(200):
        event = {"type": "xp_gain", "user_id": f"p-{i}"}
        kept = keeps(policy, event) is not None
        assert kept == in_sample(f"p-{i}\x1fxp_gain", 0.3)
        assert (keeps(policy, {**event, "amount": i}) is not None) == kept


async def test_the_server_keeps_its_sample_and_stores_the_rate(sampled: Questlog) -> None:
    questlog = sampled
    players = [f"p-{i}" for i in range(400)]
    events = [gameplay("xp_gain", p, amount=10, xp_source="quest") for p in players]
    events += [gameplay("damage_dealt", p, encounter_tier="boss", amount=1.0, target_id="t",
                        critical=False) for p in players[:50]]
    result = await questlog.ingestor.ingest(events)
    expected = sum(in_sample(f"{p}\x1fxp_gain", 0.3) for p in players)
    assert result.accepted == expected + 50
    assert result.sampled_out == 400 - expected
    assert 0.2 < expected / 400 < 0.4
    stored = questlog.store.database["events"]
    assert await stored.count_documents({"type": "xp_gain", "sample_rate": 0.3}) == expected
    boss = await stored.find_one({"type": "damage_dealt"})
    assert boss is not None
    assert "sample_rate" not in boss  # kept whole: no weight to apply
    text, _ = questlog.ops.metrics.render()
    line = f'questlog_events_dropped_total{{cause="sampled",type="xp_gain"}} {400 - expected}.0'
    assert line in text.decode()


def test_held_load_lowers_the_heartbeat_rate_and_quiet_restores_it() -> None:
    policy = load_policy(None)
    signal = LoadSignal()
    beat = {"type": "client_tick"}
    for seconds in range(0, 121, 10):
        signal.refused(T0 + timedelta(seconds=seconds))
    assert not signal.high(T0 + timedelta(seconds=100))
    now = T0 + timedelta(seconds=125)
    assert signal.high(now)
    assert rate_of(policy.served(load_high=signal.high(now)), beat) == 0.05
    assert rate_of(policy.served(load_high=True), {"type": "xp_gain"}) == 0.3  # not adaptive
    later = now + timedelta(seconds=31)
    assert not signal.high(later)
    assert rate_of(policy.served(load_high=signal.high(later)), beat) == 0.1


async def test_clients_fetch_the_policy_with_an_ingest_key(
    ingest_client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    response = await ingest_client.get("/api/v1/config")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["version"] == load_policy(KEEP_ALL_SAMPLING).digest()
    assert data["sampling"]["version"] == "tests-keep-all"
    assert data["load_high"] is False
    assert (await anonymous_client.get("/api/v1/config")).status_code == 401


def test_the_compiled_sampler_decides_as_the_policy_does() -> None:
    policy = load_policy(None)
    sampler = Sampler.of(policy)
    lowered = Sampler.of(policy.served(load_high=True))
    types = sorted({t for rule in policy.rules for t in rule.types} | {"BILL_VOTE", "nope"})
    for event_type in types:
        for tier in ("boss", "elite", "normal", None):
            event = {"type": event_type, "encounter_tier": tier}
            assert rate_of(sampler, event) == rate_of(policy, event), event
            assert rate_of(lowered, event) == rate_of(policy.served(load_high=True), event)


def test_types_achievements_read_are_kept_whole() -> None:
    policy, overridden = load_policy(None).protecting({"craft_result", "BILL_VOTE"})
    assert overridden == ["craft_result"]  # BILL_VOTE was never sampled
    assert rate_of(policy, {"type": "craft_result"}) == 1.0
    assert rate_of(policy, {"type": "loot_drop"}) == 0.3  # the rest of its rule stays
    assert load_policy(None).protecting(set()) == (load_policy(None), [])


async def test_the_server_keeps_whole_what_the_shipped_achievements_read(
    sampled: Questlog,
) -> None:
    events = [gameplay("craft_result", f"p-{i}", recipe_id="r", success=True, quantity=1)
              for i in range(100)]
    result = await sampled.ingestor.ingest(events)
    assert result.rejections == []
    assert result.accepted == 100  # 30 % in the policy file; an achievement counts them
    served = sampled.ops.hooks.served_policy()
    assert rate_of(served, {"type": "craft_result"}) == 1.0


def test_the_rates_by_type_leave_conditional_rules_to_the_server() -> None:
    rates, priorities = load_policy(None).per_type()  # the shipped policy: seed 002's table

    assert rates["client_tick"] == 0.1  # the heartbeat
    assert (rates["session_start"], rates["xp_gain"]) == (1.0, 0.3)
    assert rates["engage_enemy"] == 1.0  # boss and elite 100 %, others 50 %: by its tier
    assert set(priorities) == set(rates)
