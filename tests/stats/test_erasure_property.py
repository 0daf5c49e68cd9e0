"""Property: after a player is erased, every daily and weekly bucket holds exactly what a
plain recomputation from the remaining raw events gives, and none names the player."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from stats_scenarios import Clock, assert_same_statistics, ingest, recomputed, rolled_up, services

from jobs.rollup_recent_days import rollup_recent_days
from questlog.access.erasure import Erasure
from questlog.access.players import PlayerFlags
from questlog.access.pseudonyms import Pseudonyms
from questlog.bootstrap import Questlog

NOW = datetime.now(UTC).replace(microsecond=0)
PLAYERS = ["p1", "p2", "p3"]


@st.composite
def votes(draw: st.DrawFn) -> dict[str, Any]:
    back = timedelta(days=draw(st.integers(0, 9)), seconds=draw(st.integers(0, 86_399)))
    return {
        "type": draw(st.sampled_from(["BILL_VOTE", "LOBBY_ATTEMPT"])),
        "user_id": draw(st.sampled_from([*PLAYERS, None])),
        "company_id": draw(st.sampled_from(["c1", "c2", None])),
        "occurred_at": (NOW - back).isoformat(),
    }


def complete(event: dict[str, Any]) -> dict[str, Any]:
    if event["type"] == "BILL_VOTE":
        return {**event, "bill_id": "b", "stance": "yea", "seat_weight": 2.0,
                "lobby_payments_count": 1}
    return {**event, "difficulty_tier": 1, "success": True, "spend": 3.0, "breakdown": {}}


@examples(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(played=st.lists(votes(), max_size=30), erased=st.sampled_from(PLAYERS))
async def test_after_an_erasure_the_aggregates_equal_a_recomputation_without_the_player(
    questlog: Questlog, played: list[dict[str, Any]], erased: str
) -> None:
    database = questlog.store.database
    for name in await database.list_collection_names():
        await database[name].delete_many({})
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    erasure = Erasure(database=database, stats=stats, clock=clock,
                      flags=PlayerFlags(database["player_flags"], clock),
                      pseudonyms=Pseudonyms(secret="s", enabled=False),
                      settle_seconds=0)  # one process, nothing in flight
    await ingest(ingestor, [complete(e) for e in played])
    await rollup_recent_days(stats, clock())

    clock.advance(minutes=1)
    receipt = await erasure.erase(erased)

    assert_same_statistics(await rolled_up(), await recomputed(questlog.settings.bucket_tz))
    for name in ("events", "daily_stats", "weekly_stats"):
        assert await database[name].count_documents({"user_id": erased}) == 0
        assert await database[name].count_documents({"users": erased}) == 0
    assert receipt["removed"]["events"] == sum(e["user_id"] == erased for e in played)
