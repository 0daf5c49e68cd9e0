"""Today so far, folded: a refresh adds only the events received since the last one, and
whatever the order of ingests, refreshes and full recomputes, the buckets equal a plain
recomputation from the raw events."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from stats_scenarios import Clock, assert_as_recomputed, ingest, services
from test_rollup_property import events

from jobs.rollup_recent_days import rollup_recent_days
from questlog.bootstrap import Questlog
from questlog.settings import Settings
from questlog.stats.documents import DailyStat, DayCursor, JobRun, WeeklyStat
from questlog.stats.today import Cursor, Today
from questlog.stats.writer import Tally
from questlog.store.documents import StoredEvent

# The next full hour UTC: 30 minutes from a midnight in Kolkata, and on a UTC midnight at
# most, so the few minutes the tests' clock moves on never cross one ("today" would
# become another day halfway: run from 18:27 UTC, the Kolkata runs failed so). Ahead of
# the real time, which the generated events' own timestamps follow, by an hour at most.
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


@pytest.fixture(params=["UTC", "Asia/Kolkata"])
def settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    return settings.model_copy(update={"bucket_tz": request.param})


def lobby(i: int) -> dict[str, Any]:
    return {"type": "LOBBY_ATTEMPT", "user_id": f"p{i % 7}", "company_id": f"c{i % 3}",
            "difficulty_tier": 1 + i % 4, "success": i % 2 == 0, "spend": 1.5 * i,
            "breakdown": {}}


async def empty_store() -> None:
    for document in (StoredEvent, DailyStat, WeeklyStat, JobRun, DayCursor):
        await document.get_motor_collection().delete_many({})


async def test_a_refresh_reads_only_what_arrived_since_the_last(questlog: Questlog) -> None:
    await empty_store()
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby(i) for i in range(200)])
    clock.advance(minutes=1)  # settled: the rebuild's cursor starts after them
    first = await rollup_recent_days(stats, clock())
    assert first.folded_days == []
    assert first.events_read == 200

    clock.advance(minutes=1)
    await ingest(ingestor, [lobby(i) for i in range(200, 207)])
    clock.advance(minutes=1)
    run = await rollup_recent_days(stats, clock())
    assert run.folded_days == [stats.today().isoformat()]
    assert run.events_read == 7
    await assert_as_recomputed(questlog.settings.bucket_tz)


async def test_events_a_rebuild_read_before_they_settled_are_not_folded_again(
    questlog: Questlog,
) -> None:
    await empty_store()
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby(i) for i in range(20)])
    await rollup_recent_days(stats, clock())  # the whole day, the 20 not settled yet
    await ingest(ingestor, [lobby(i) for i in range(20, 23)])
    clock.advance(minutes=1)
    run = await rollup_recent_days(stats, clock())
    assert run.folded_days == [stats.today().isoformat()]
    await assert_as_recomputed(questlog.settings.bucket_tz)


# One step of a day: ingest some events (received now, most of them today), let time
# pass, run the 5-minute job (which folds today where it can), or rebuild today whole
# (what `questlog rollup`, the API or an erasure do).
steps = st.one_of(
    st.tuples(st.just("ingest"), st.lists(events(days_back=(0, 2)), min_size=1, max_size=6)),
    st.tuples(st.just("wait"), st.integers(0, 90)),
    st.tuples(st.just("refresh"), st.none()),
    st.tuples(st.just("rebuild"), st.none()),
)


@examples(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=st.lists(steps, max_size=14))
async def test_refreshes_between_ingests_and_rebuilds_equal_a_recomputation(
    questlog: Questlog, plan: list[tuple[str, Any]]
) -> None:
    await empty_store()
    time_zone = questlog.settings.bucket_tz
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    for step, argument in plan:
        if step == "ingest":
            await ingest(ingestor, argument)
        elif step == "wait":
            clock.advance(seconds=argument)
        elif step == "refresh":
            await rollup_recent_days(stats, clock())
        else:
            await stats.recompute([stats.today()], job="recompute_stats", source="cli")
    clock.advance(seconds=questlog.settings.stats_settle_seconds + 1)  # all settled
    await rollup_recent_days(stats, clock())
    await assert_as_recomputed(time_zone)


async def _day_with_a_cursor(questlog: Questlog) -> tuple[Clock, Any, Any]:
    """A store whose today was rebuilt whole (so it has a cursor), then got 5 new events."""
    await empty_store()
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby(i) for i in range(10)])
    clock.advance(minutes=1)
    await rollup_recent_days(stats, clock())
    await ingest(ingestor, [lobby(i) for i in range(10, 15)])
    clock.advance(minutes=1)
    return clock, ingestor, stats


async def test_a_rebuild_during_a_fold_makes_the_fold_give_way(
    questlog: Questlog, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock, _, stats = await _day_with_a_cursor(questlog)
    fold = Today._fold

    async def fold_while_another_process_rebuilds(
        self: Today, day: date, cursor: Cursor, upper: datetime
    ) -> Tally:
        tally = await fold(self, day, cursor, upper)
        await stats.recompute([day], job="recompute_stats", source="cli")
        return tally

    monkeypatch.setattr(Today, "_fold", fold_while_another_process_rebuilds)
    run = await rollup_recent_days(stats, clock())
    assert run.folded_days == []  # its cursor changed under it: the whole day instead
    await assert_as_recomputed(questlog.settings.bucket_tz)
    cursor = await DayCursor.get_motor_collection().find_one({"_id": stats.today().isoformat()})
    assert cursor["state"] == "ready"


async def test_two_processes_refreshing_at_once_count_each_event_once(
    questlog: Questlog,
) -> None:
    clock, ingestor, stats = await _day_with_a_cursor(questlog)
    _, other = services(questlog, clock)  # a second process, without the job's lease
    await asyncio.gather(rollup_recent_days(stats, clock()), rollup_recent_days(other, clock()))
    await assert_as_recomputed(questlog.settings.bucket_tz)
    await ingest(ingestor, [lobby(i) for i in range(15, 19)])
    clock.advance(minutes=1)
    await asyncio.gather(rollup_recent_days(stats, clock()), rollup_recent_days(other, clock()))
    clock.advance(minutes=1)
    await rollup_recent_days(stats, clock())
    await assert_as_recomputed(questlog.settings.bucket_tz)


async def test_a_cursor_of_other_definitions_means_the_whole_day(questlog: Questlog) -> None:
    clock, _, stats = await _day_with_a_cursor(questlog)
    await DayCursor.get_motor_collection().update_many({}, {"$set": {"fingerprint": "older"}})
    run = await rollup_recent_days(stats, clock())
    assert run.folded_days == []
    assert run.events_read == 15
    await assert_as_recomputed(questlog.settings.bucket_tz)


async def test_a_fold_that_crashed_midway_is_redone_whole(
    questlog: Questlog, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock, _, stats = await _day_with_a_cursor(questlog)

    async def crash(self: Today, day: date, cursor: Cursor, upper: datetime) -> Tally:
        raise RuntimeError("killed")

    with monkeypatch.context() as patch:
        patch.setattr(Today, "_fold", crash)
        with pytest.raises(RuntimeError):
            await rollup_recent_days(stats, clock())
    run = await rollup_recent_days(stats, clock())  # the cursor was left busy
    assert run.folded_days == []
    assert run.events_read == 15
    await assert_as_recomputed(questlog.settings.bucket_tz)
