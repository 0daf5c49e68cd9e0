"""What only a real MongoDB shows about the aggregates: the rollup's pipelines run there
(over the indexes), indexes and TTLs as the server reports them, the lease's unique key.

The real-server tier: on the test session's own secantusd-rs, or on the MongoDB that
QUESTLOG_TEST_MONGODB_URL names (mongodb://HOST:27017).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from stats_scenarios import Clock, assert_same_statistics, ingest, recomputed, rolled_up, services

from questlog.bootstrap import Questlog
from questlog.stats.buckets import Owner
from questlog.stats.documents import Lease
from questlog.stats.lease import Leases
from questlog.stats.pipeline import day_query, hours_pipeline
from questlog.stats.reads import owner_documents
from questlog.stats.rollup import WEEK_INDEX, week_query
from questlog.stats.scan import DayScan
from questlog.stats.streams import scanned
from questlog.store.naive import plain

pytestmark = pytest.mark.mongodb

DAY = 86_400
NOW = datetime.now(UTC).replace(microsecond=0)


def lobby(i: int) -> dict[str, Any]:
    moment = NOW - timedelta(hours=7 * i)
    return {"type": "LOBBY_ATTEMPT", "user_id": f"p{i % 6}", "company_id": f"c{i % 2}",
            "difficulty_tier": 1 + i % 4, "success": i % 3 == 0, "spend": 12.5 * i,
            "breakdown": {}, "occurred_at": moment.isoformat()}


def poll(i: int) -> dict[str, Any]:  # v2: moe may be absent
    """Some sample sizes beyond int32: the server stores them as int64, which the driver
    reads back as bson's Int64, an int of its own type."""
    moment = NOW - timedelta(hours=9 * i)
    return {"type": "POLL_INTERVAL", "schema_version": 2, "poll_id": "p", "user_id": f"p{i % 3}",
            "leading_candidate": "a", "margin": 0.5 * i,
            "sample_size": 100 + i if i % 4 else 3_000_000_000 + i,
            **({"moe": 1.5} if i % 2 else {}), "occurred_at": moment.isoformat()}


async def test_the_server_rolls_up_what_a_plain_recomputation_gives(questlog: Questlog) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby(i) for i in range(30)] + [poll(i) for i in range(20)])

    await stats.recompute([stats.today() - timedelta(days=d) for d in range(10)], job="test")

    assert_same_statistics(await rolled_up(), await recomputed())


async def explain(questlog: Questlog, pipeline: list[dict[str, Any]]) -> str:
    plan = await questlog.store.database.command(
        "aggregate", "events", pipeline=pipeline, explain=True
    )
    return json.dumps(plan, default=str)


async def test_a_day_is_read_through_the_time_index(questlog: Questlog) -> None:
    await questlog.ingestor.ingest([lobby(i) for i in range(5)])
    start = NOW - timedelta(days=1)

    plan = json.dumps(await questlog.store.database["events"].find(
        day_query(start, NOW)).explain(), default=str)

    assert "IXSCAN" in plan
    assert '"time"' in plan


async def test_a_day_is_scanned_from_the_servers_raw_batches_with_no_event_decoded(
    questlog: Questlog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rollup's fast path on a server (stats/_rollup.c): every well-formed event's row
    read off its bytes, none decoded into a dict and added in Python."""
    await questlog.ingestor.ingest([lobby(i) for i in range(5)] + [poll(i) for i in range(4)])
    monkeypatch.setattr(DayScan, "add", _no_event_decoded)

    scan, _ = await scanned(plain(questlog.store.database["events"]),
                            [day_query(NOW - timedelta(days=2), NOW + timedelta(hours=1))])

    assert scan.events == 9
    assert sum(len(rows) for buckets in scan.owners.values() for rows in buckets.values()) == 9


def _no_event_decoded(scan: DayScan, event: Any) -> None:
    raise AssertionError(f"an event decoded and scanned in Python: {event}")


async def test_late_events_are_found_through_the_received_at_index(questlog: Questlog) -> None:
    await questlog.ingestor.ingest([lobby(i) for i in range(5)])

    plan = await explain(questlog, hours_pipeline(NOW - timedelta(minutes=5)))

    assert "received_at_ttl" in plan


async def test_a_week_reads_its_days_through_the_period_index(questlog: Questlog) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby(i) for i in range(30)])
    await stats.recompute([stats.today() - timedelta(days=d) for d in range(7)], job="test")
    daily = questlog.store.database["daily_stats"]
    query = week_query(stats.today() - timedelta(days=6))

    plan = await daily.find(query).hint(WEEK_INDEX).explain()
    documents = await daily.find(query).hint(WEEK_INDEX).to_list(None)

    text = json.dumps(plan["queryPlanner"]["winningPlan"], default=str)
    assert WEEK_INDEX in text
    assert "COLLSCAN" not in text
    examined = plan["executionStats"]["totalDocsExamined"]
    assert examined == len(documents) == await daily.count_documents(query) > 0
    assert {d["scope"] for d in documents} == {"global", "company"}


async def test_buckets_expire_counted_from_the_start_of_their_period(questlog: Questlog) -> None:
    database = questlog.store.database

    daily = await database["daily_stats"].index_information()
    weekly = await database["weekly_stats"].index_information()
    runs = await database["job_runs"].index_information()

    assert daily["starts_at_ttl"]["key"] == [("starts_at", 1)]
    assert daily["starts_at_ttl"]["expireAfterSeconds"] == 180 * DAY
    assert weekly["starts_at_ttl"]["expireAfterSeconds"] == 365 * DAY
    assert runs["started_at_ttl"]["expireAfterSeconds"] == 30 * DAY
    for buckets in (daily, weekly):  # an owner's reads go through _id (see the next test)
        assert "owner_period" not in buckets
        assert [k for k, _ in buckets["period_scope"]["key"]] == ["period_start", "scope"]


async def test_an_owners_buckets_are_read_as_a_range_of_ids(questlog: Questlog) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby(i) for i in range(30)])
    await stats.recompute([stats.today() - timedelta(days=d) for d in range(7)], job="test")
    daily = questlog.store.database["daily_stats"]
    first, last = (stats.today() - timedelta(days=d) for d in (5, 1))
    def read() -> Any:
        return owner_documents(daily, Owner("user", user_id="p1"), first.isoformat(),
                               last.isoformat())

    plan = await read().explain()
    documents = await read().to_list(None)

    text = json.dumps(plan["queryPlanner"]["winningPlan"], default=str)
    assert "COLLSCAN" not in text
    assert plan["executionStats"]["totalDocsExamined"] == len(documents) > 0
    assert {d["user_id"] for d in documents} == {"p1"}
    assert all(first.isoformat() <= d["period_start"] <= last.isoformat() for d in documents)


async def test_a_held_lease_is_refused_by_the_servers_unique_key(questlog: Questlog) -> None:
    one, other = (Leases(Lease.get_motor_collection()) for _ in range(2))

    assert await one.acquire("rollup", "process-a")
    assert not await other.acquire("rollup", "process-b")
