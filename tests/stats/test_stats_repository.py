"""Reading an owner's stored documents (stats/repository.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import bill_vote
from stats_scenarios import Clock, ingest, services

from questlog.bootstrap import Questlog
from questlog.stats.buckets import Owner, flat_buckets
from questlog.stats.documents import DailyStat
from questlog.stats.repository import WITHOUT_FIELDS, owner_documents, owner_users
from questlog.stats.sketch import decode, merge_users

NOW = datetime.now(UTC).replace(microsecond=0)


async def a_companys_players_are_counted_without_its_field_statistics(
    questlog: Questlog,
) -> None:
    ingestor, stats = services(questlog, Clock(NOW))
    votes = [bill_vote(user_id=f"p{i % 5}", company_id="c1", seat_weight=1.0 + i,
                       occurred_at=(NOW - timedelta(days=1 + i % 3)).isoformat())
             for i in range(15)]
    lobbies = [{**v, "type": "LOBBY_ATTEMPT", "user_id": f"q{i}", "spend": 2.0,
                "difficulty_tier": 1, "success": True, "breakdown": {}}
               for i, v in enumerate(
                   {k: x for k, x in v.items() if k not in ("bill_id", "stance", "seat_weight",
                                                             "lobby_payments_count")}
                   for v in votes[:3])]
    await ingest(ingestor, votes + lobbies)
    await stats.recompute([stats.today() - timedelta(days=d) for d in (1, 2, 3)], job="test")
    daily, company = DailyStat.get_motor_collection(), Owner("company", company_id="c1")
    whole = [b async for d in owner_documents(daily, company) for b in flat_buckets(d)]

    users = await owner_users(daily, company)

    assert users.count() == merge_users(decode(b) for b in whole).count() == 5 + 3
    first = (stats.today() - timedelta(days=1)).isoformat()
    assert (await owner_users(daily, company, first, first)).count() == len(
        {f"p{i % 5}" for i in range(15) if i % 3 == 0} | {"q0"})
    read = [b async for d in owner_documents(daily, company, projection=WITHOUT_FIELDS)
            for b in flat_buckets(d)]
    assert {b["type"] for b in read} == {"BILL_VOTE", "LOBBY_ATTEMPT"}
    assert not [b for b in read if "fields" in b]


async def test_a_companys_players_are_counted_without_its_field_statistics(
    questlog: Questlog,
) -> None:
    await a_companys_players_are_counted_without_its_field_statistics(questlog)


@pytest.mark.mongodb
async def test_the_real_server_leaves_out_the_field_statistics_too(questlog: Questlog) -> None:
    await a_companys_players_are_counted_without_its_field_statistics(questlog)
