"""Stores in use hold buckets of the layout before issue 9, a document per type: a start
merges them into a document per owner and period, and every read answers as before."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import bill_vote
from stats_scenarios import Clock, ingest, rolled_up, services, stored_buckets

from questlog.bootstrap import Questlog
from questlog.stats.buckets import NAMING, TYPES, Owner, owner_of, owner_range
from questlog.stats.documents import DailyStat, Lease, WeeklyStat
from questlog.stats.lease import Leases
from questlog.stats.migration import merge_per_type_buckets, per_type_ids
from questlog.store.documents import StoredEvent

NOW = datetime.now(UTC).replace(microsecond=0)


def per_type(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A current document as the previous layout stored it: one document per type, whose
    _id was period start/type/owner ("2025-01-06/BILL_VOTE/company/c_1")."""
    naming = {k: document[k] for k in NAMING}
    owner = owner_of(document)
    owner_id = f"{owner.scope}/{owner.label}" if owner.label else owner.scope
    return [{"_id": f"{document['period_start']}/{event_type}/{owner_id}", **naming,
             "type": event_type, **part} for event_type, part in document[TYPES].items()]


def leases() -> Leases:
    """One process's leases: each process takes and waits for the merge's lease."""
    return Leases(Lease.get_motor_collection())


async def migrated_store_reads_as_before(questlog: Questlog) -> None:
    for document in (StoredEvent, DailyStat, WeeklyStat):
        await document.get_motor_collection().delete_many({})
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    events = [bill_vote(user_id=f"p{i % 3}", company_id=f"c{i % 2}", seat_weight=0.5 + i,
                        occurred_at=(NOW - timedelta(days=1 + i % 3)).isoformat())
              for i in range(12)]
    events += [{**e, "type": "LOBBY_ATTEMPT", "spend": 3.5, "difficulty_tier": 1,
                "success": True, "breakdown": {}} for e in
               ({k: v for k, v in e.items() if k not in ("bill_id", "stance", "seat_weight",
                                                            "lobby_payments_count")}
                for e in events[:5])]
    await ingest(ingestor, events)
    await stats.recompute([stats.today() - timedelta(days=d) for d in (1, 2, 3)], job="test")
    current, read = await stored_buckets(), await rolled_up()
    daily, weekly = DailyStat.get_motor_collection(), WeeklyStat.get_motor_collection()
    for collection in (daily, weekly):
        old = [o async for d in collection.find() for o in per_type(d)]
        await collection.delete_many({})
        await collection.insert_many(old)

    merged = await merge_per_type_buckets([daily], leases=leases())
    merged_weeks = await merge_per_type_buckets([weekly], leases=leases())

    assert merged > len([k for k in current if k.startswith("daily:")])
    assert merged_weeks > 0
    assert await stored_buckets() == current
    assert await rolled_up() == read
    assert await merge_per_type_buckets([daily, weekly], leases=leases()) == 0  # none left


async def test_buckets_of_the_previous_layout_are_merged_and_read_as_before(
    questlog: Questlog,
) -> None:
    await migrated_store_reads_as_before(questlog)


@pytest.mark.mongodb
async def test_the_real_server_merges_them_too(questlog: Questlog) -> None:
    await migrated_store_reads_as_before(questlog)


async def test_a_document_a_rollup_already_wrote_is_kept(questlog: Questlog) -> None:
    daily = DailyStat.get_motor_collection()
    await daily.delete_many({})
    naming = {"period": "daily", "period_start": "2025-01-06", "scope": "global",
              "company_id": None, "user_id": None, "starts_at": datetime(2025, 1, 6),
              "ends_at": datetime(2025, 1, 7), "time_zone": "UTC"}
    fresh = {"_id": "global/2025-01-06", **naming, TYPES: {"BILL_VOTE": {"count": 2}}}
    await daily.insert_many([fresh, {"_id": "2025-01-06/BILL_VOTE/global", **naming,
                                     "type": "BILL_VOTE", "count": 1}])

    assert await merge_per_type_buckets([daily], leases=leases()) == 1

    assert [(d["_id"], d[TYPES]) async for d in daily.find()] == [
        ("global/2025-01-06", {"BILL_VOTE": {"count": 2}})]


class HeldBeforeInsert:
    """One process's view of a collection that holds its inserts until `go` is set: a
    merge paused between reading a period's per-type documents and inserting them."""

    def __init__(self, collection: Any) -> None:
        self._collection = collection
        self.holding, self.go = asyncio.Event(), asyncio.Event()

    async def insert_many(self, documents: list[dict[str, Any]], **options: Any) -> Any:
        self.holding.set()
        await self.go.wait()
        return await self._collection.insert_many(documents, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)


def old_day(day: str, users: list[str]) -> list[dict[str, Any]]:
    naming = {"period": "daily", "period_start": day, "company_id": None,
              "starts_at": datetime.fromisoformat(day), "time_zone": "UTC",
              "ends_at": datetime.fromisoformat(day) + timedelta(days=1)}
    part = {"count": 1, "successes": None, "distinct_users": 1, "distinct_users_exact": True,
            "users_hll": None, "fields": {}}
    return [{"_id": f"{day}/BILL_VOTE/user/{user}", **naming, "scope": "user",
             "user_id": user, "type": "BILL_VOTE", **part, "users": [user]} for user in users]


async def test_a_player_erased_by_a_process_that_started_meanwhile_stays_erased(
    questlog: Questlog,
) -> None:
    daily = DailyStat.get_motor_collection()
    await daily.delete_many({})
    await daily.insert_many(old_day("2025-01-06", ["p1", "p2"]))
    first = HeldBeforeInsert(daily)
    first_merge = asyncio.create_task(merge_per_type_buckets([first], leases=leases()))
    await first.holding.wait()  # the first process read the day, and is slow to insert it
    second_waits = asyncio.Event()

    async def wait() -> None:
        second_waits.set()
        await asyncio.sleep(0)

    async def second_process() -> None:  # starts, then erases p1's buckets, as Erasure does
        await merge_per_type_buckets([daily], leases=leases(), wait=wait)
        await daily.delete_many(owner_range(Owner("user", user_id="p1")))

    second = asyncio.create_task(second_process())
    # The second process either erased already or waits for the first one's merge.
    await asyncio.wait([second, asyncio.create_task(second_waits.wait())],
                       return_when=asyncio.FIRST_COMPLETED)
    first.go.set()
    await first_merge
    await second

    assert [d["_id"] async for d in daily.find()] == ["user/p2/2025-01-06"]


@pytest.mark.mongodb
async def test_a_start_with_nothing_to_merge_reads_no_document(questlog: Questlog) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [bill_vote(user_id=f"p{i}", occurred_at=(
        NOW - timedelta(days=1 + i % 3)).isoformat()) for i in range(12)])
    await stats.recompute([stats.today() - timedelta(days=d) for d in (1, 2, 3)], job="test")
    daily = DailyStat.get_motor_collection()

    plan = await per_type_ids(daily).limit(1).explain()

    assert "COLLSCAN" not in json.dumps(plan["queryPlanner"]["winningPlan"], default=str)
    assert plan["executionStats"]["totalDocsExamined"] == 0
    assert await daily.count_documents({}) > 0
    assert await merge_per_type_buckets([daily], leases=leases()) == 0
