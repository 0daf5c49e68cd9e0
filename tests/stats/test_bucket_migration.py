"""Stores in use hold buckets of the layout before issue 9, a document per type: a start
merges them into a document per owner and period, and every read answers as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import bill_vote
from stats_scenarios import Clock, ingest, rolled_up, services, stored_buckets

from questlog.bootstrap import Questlog
from questlog.stats.buckets import NAMING, TYPES, owner_of
from questlog.stats.documents import DailyStat, WeeklyStat
from questlog.stats.migration import merge_per_type_buckets
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
    for document in (DailyStat, WeeklyStat):
        collection = document.get_motor_collection()
        old = [o async for d in collection.find() for o in per_type(d)]
        await collection.delete_many({})
        await collection.insert_many(old)

    merged = [await merge_per_type_buckets(d.get_motor_collection())
              for d in (DailyStat, WeeklyStat)]

    assert merged[0] > len([k for k in current if k.startswith("daily:")])
    assert await stored_buckets() == current
    assert await rolled_up() == read
    assert [await merge_per_type_buckets(d.get_motor_collection())
            for d in (DailyStat, WeeklyStat)] == [0, 0]  # nothing left to merge


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

    assert await merge_per_type_buckets(daily) == 1

    assert [(d["_id"], d[TYPES]) async for d in daily.find()] == [
        ("global/2025-01-06", {"BILL_VOTE": {"count": 2}})]
