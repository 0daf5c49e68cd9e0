"""Property: statistics of a sampled stream estimate the unsampled truth.

Players send xp_gain events, which the shipped policy samples at 30 % per player. The
rollup weighs each stored event by 1 / its rate: `estimated_count` and each field's
`estimated_sum` are then exactly the Horvitz-Thompson estimates over the kept players,
and within their statistical bound of the totals of the whole stream. Sampling keeps
whole players (a cluster sample): the variance of the estimate of a total Y = sum of y_p
over players is (1 - r) / r * sum of y_p squared, and the test allows five standard
deviations (a chance below one in a million per example for these sizes).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from questlog.bootstrap import Questlog
from questlog.client.policy import in_sample
from questlog.stats.buckets import flat, public
from questlog.stats.documents import DailyStat, WeeklyStat
from questlog.store.documents import StoredEvent

RATE = 0.3  # xp_gain in the shipped policy
DAY_START = (datetime.now(UTC) - timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                            microsecond=0)


def xp(user: str, amount: int, minute: int) -> dict[str, Any]:
    moment = DAY_START + timedelta(hours=12, minutes=minute)
    return {"type": "xp_gain", "user_id": user, "client_guid": f"g-{user}", "build": "1",
            "platform": "pc", "shard": "eu", "xp_source": "quest", "amount": amount,
            "occurred_at": moment.isoformat()}


players = st.lists(st.lists(st.integers(1, 100), min_size=1, max_size=6),
                   min_size=40, max_size=90)


@examples(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(amounts=players, cohort=st.integers(0, 10**9))
async def test_estimated_totals_of_a_30_percent_sample_match_the_whole_stream(
    sampled: Questlog, amounts: list[list[int]], cohort: int
) -> None:
    for document in (StoredEvent, DailyStat, WeeklyStat):
        await document.get_motor_collection().delete_many({})
    users = [f"c{cohort}-p{i}" for i in range(len(amounts))]  # a fresh cohort per example
    stream = [xp(u, a, m) for u, values in zip(users, amounts, strict=True)
              for m, a in enumerate(values)]
    for start in range(0, len(stream), 500):
        await sampled.ingestor.ingest(stream[start:start + 500])
    await sampled.stats.recompute([DAY_START.date()], job="test")

    buckets = await xp_buckets(DailyStat, "global")
    kept = [in_sample(f"{u}\x1fxp_gain", RATE) for u in users]
    if not any(kept):
        assert buckets == []  # nothing stored: nothing to estimate from
        return
    [bucket] = buckets
    item = public(bucket)
    # Exactly the weighted sums over what was kept,
    kept_counts = [len(v) for v, k in zip(amounts, kept, strict=True) if k]
    kept_sums = [sum(v) for v, k in zip(amounts, kept, strict=True) if k]
    assert item["count"] == sum(kept_counts)
    assert item["sampled"] is True
    assert item["estimated_count"] == pytest.approx(sum(kept_counts) / RATE, rel=1e-12)
    assert item["fields"]["amount"]["sum"] == sum(kept_sums)
    assert item["fields"]["amount"]["estimated_sum"] == pytest.approx(
        sum(kept_sums) / RATE, rel=1e-12
    )
    assert item["distinct_users"] == sum(kept)  # exact over the sampled cohort, not scaled
    # and within the bound of the whole stream's totals.
    for estimate, per_player in (
        (item["estimated_count"], [len(v) for v in amounts]),
        (item["fields"]["amount"]["estimated_sum"], [sum(v) for v in amounts]),
    ):
        bound = 5 * math.sqrt((1 - RATE) / RATE * sum(y * y for y in per_player))
        assert abs(estimate - sum(per_player)) <= bound


async def test_a_week_merges_the_estimates_of_its_days(sampled: Questlog) -> None:
    await weeks_merge_estimates(sampled)


@pytest.mark.mongodb
async def test_the_real_server_weighs_sampled_events_too(sampled: Questlog) -> None:
    for document in (StoredEvent, DailyStat, WeeklyStat):
        await document.get_motor_collection().delete_many({})
    await weeks_merge_estimates(sampled)


async def weeks_merge_estimates(sampled: Questlog) -> None:
    users = [f"w-p{i}" for i in range(60)]
    days = [DAY_START - timedelta(days=d) for d in (0, 1)]
    stream = [{**xp(u, 10, 0), "occurred_at": (d + timedelta(hours=12)).isoformat()}
              for u in users for d in days]
    await sampled.ingestor.ingest(stream)
    await sampled.stats.recompute([d.date() for d in days], job="test")
    daily = [public(b) for b in await xp_buckets(DailyStat, "global")]
    assert daily
    assert all(i["sampled"] for i in daily)
    weekly = [public(b) for b in await xp_buckets(WeeklyStat, "global")]
    assert sum(i["estimated_count"] for i in weekly) == pytest.approx(
        sum(i["estimated_count"] for i in daily)
    )
    for bucket in await xp_buckets(DailyStat, "user"):  # each event of a kept player: 1 / rate
        assert public(bucket)["estimated_count"] == pytest.approx(bucket["count"] / RATE)


async def xp_buckets(document: type[DailyStat | WeeklyStat], scope: str) -> list[dict[str, Any]]:
    """The stored xp_gain buckets of `scope`."""
    query = {"scope": scope, "types.xp_gain": {"$exists": True}}
    return [flat(d, "xp_gain") async for d in document.get_motor_collection().find(query)]
