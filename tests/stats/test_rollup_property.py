"""Property: for any events, the rolled-up daily and weekly buckets hold exactly what a
plain recomputation from the raw events gives, also after late events arrive and after
a job ran twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from stats_scenarios import Clock, assert_same_statistics, ingest, recomputed, rolled_up, services
from stats_scenarios import stored_buckets as all_buckets

from jobs.rollup_recent_days import rollup_recent_days
from questlog.bootstrap import Questlog
from questlog.settings import Settings
from questlog.stats.documents import DailyStat, DayCursor, JobRun, WeeklyStat
from questlog.store.documents import StoredEvent

# Near the real clock: the in-memory store expires raw events by its TTL against real time.
NOW = datetime.now(UTC).replace(microsecond=0)

amounts = st.floats(min_value=-1000, max_value=1000, allow_nan=False, allow_infinity=False)
# Seed 003's fairness checks: margins and errors are sizes, a seat weighs something.
sizes = st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)
weights = st.floats(min_value=0.001, max_value=1000, allow_nan=False, allow_infinity=False)
payloads = st.one_of(
    st.fixed_dictionaries({
        "type": st.just("LOBBY_ATTEMPT"), "difficulty_tier": st.integers(1, 5),
        "success": st.booleans(), "spend": amounts, "breakdown": st.just({}),
    }),
    st.fixed_dictionaries({
        "type": st.just("POLL_INTERVAL"), "schema_version": st.just(2),
        "poll_id": st.just("poll-1"), "leading_candidate": st.just("a"), "margin": sizes,
        "moe": st.none() | sizes, "sample_size": st.integers(1, 5000),
    }),
    st.fixed_dictionaries({
        "type": st.just("BILL_VOTE"), "bill_id": st.just("bill-1"), "stance": st.just("yea"),
        "seat_weight": weights, "lobby_payments_count": st.integers(0, 10),
    }),
)


@st.composite
def events(draw: st.DrawFn, *, days_back: tuple[int, int]) -> dict[str, Any]:
    event = draw(payloads)
    event["user_id"] = draw(st.sampled_from(["p1", "p2", "p3", "p4", None]))
    event["company_id"] = draw(st.sampled_from(["c1", "c2", None]))
    if draw(st.booleans()):  # else it happened when it was received
        back = timedelta(days=draw(st.integers(*days_back)), seconds=draw(st.integers(0, 86_399)))
        event["occurred_at"] = (NOW - back).isoformat()
    return event


@pytest.fixture(params=["UTC", "Asia/Kolkata"])
def settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """UTC days, and days of a +05:30 zone whose midnights fall mid-hour in UTC."""
    return settings.model_copy(update={"bucket_tz": request.param})


async def empty_store() -> None:
    for document in (StoredEvent, DailyStat, WeeklyStat, JobRun, DayCursor):
        await document.get_motor_collection().delete_many({})


@examples(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    first=st.lists(events(days_back=(0, 9)), max_size=25),
    late=st.lists(events(days_back=(1, 9)), min_size=1, max_size=10),
)
async def test_rollups_equal_a_plain_recomputation_from_raw_events(
    questlog: Questlog, first: list[dict[str, Any]], late: list[dict[str, Any]]
) -> None:
    await empty_store()
    time_zone = questlog.settings.bucket_tz
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)

    await ingest(ingestor, first)
    await rollup_recent_days(stats, clock())
    assert_same_statistics(await rolled_up(time_zone), await recomputed(time_zone))

    snapshot = await all_buckets()
    clock.advance(minutes=1)
    await rollup_recent_days(stats, clock())
    assert await all_buckets() == snapshot  # a second run changes nothing

    clock.advance(minutes=10)
    await ingest(ingestor, late)  # received now, happened on days already rolled up
    clock.advance(minutes=1)  # today's refresh folds what settled (stats_settle_seconds)
    await rollup_recent_days(stats, clock())
    assert_same_statistics(await rolled_up(time_zone), await recomputed(time_zone))
