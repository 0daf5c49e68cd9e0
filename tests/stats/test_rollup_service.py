"""Rollups as the jobs, the API and the CLI run them: whole periods, recorded runs."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from conftest import bill_vote
from pymongo.errors import AutoReconnect
from stats_scenarios import (
    Clock,
    assert_same_statistics,
    ingest,
    recomputed,
    rolled_up,
    services,
    stored_buckets,
)

from questlog.bootstrap import Questlog
from questlog.settings import Settings
from questlog.stats.documents import DailyStat, JobRun, WeeklyStat
from questlog.stats.periods import week_of, weeks_of
from questlog.stats.rollup import Rollup
from questlog.store.documents import StoredEvent

NOW = datetime.now(UTC).replace(microsecond=0)


def lobby(user: str, company: str, spend: float, back: timedelta, **extra: Any) -> dict[str, Any]:
    return {"type": "LOBBY_ATTEMPT", "user_id": user, "company_id": company, "spend": spend,
            "difficulty_tier": 2, "success": spend > 50, "breakdown": {},
            "occurred_at": (NOW - back).isoformat(), **extra}


async def test_a_day_is_rebuilt_from_its_own_events_only(questlog: Questlog) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby("p1", "c1", 10, timedelta(days=1)),
                            lobby("p2", "c1", 90, timedelta(days=2))])
    yesterday = stats.today() - timedelta(days=1)

    run = await stats.recompute([yesterday], job="test")

    buckets = await rolled_up()
    assert {k[1] for k in buckets if k[0] == "daily"} == {yesterday.isoformat()}
    assert run.days == [yesterday.isoformat()]
    assert run.events_read == 1
    assert run.documents_written == 3 + 2  # global, company, user; the week: global, company


async def test_weeks_are_merged_from_daily_buckets_without_raw_events(questlog: Questlog) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby(f"p{i}", "c1", 10.0 * i, timedelta(days=i % 3))
                            for i in range(12)])
    days = [stats.today() - timedelta(days=d) for d in range(3)]
    await stats.recompute(days, job="test")
    expected = await recomputed()
    weekly = await WeeklyStat.get_motor_collection().find().to_list(None)
    await StoredEvent.get_motor_collection().delete_many({})
    await WeeklyStat.get_motor_collection().delete_many({})

    await stats.recompute_weeks(weeks_of(days), job="test")

    assert await WeeklyStat.get_motor_collection().find().to_list(None) == weekly
    assert_same_statistics(await rolled_up(), expected)


async def test_buckets_whose_events_are_gone_are_deleted(questlog: Questlog) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby("p1", "c1", 10, timedelta(days=1)), bill_vote(
        user_id="p2", occurred_at=(NOW - timedelta(days=1)).isoformat())])
    yesterday = stats.today() - timedelta(days=1)
    await stats.recompute([yesterday], job="test")
    await StoredEvent.get_motor_collection().delete_many({"type": "BILL_VOTE"})

    run = await stats.recompute([yesterday], job="test")

    assert {k[2] for k in await rolled_up()} == {"LOBBY_ATTEMPT"}
    # The documents of the owners left without events: p2's day, company-1's day and
    # week (the game's documents are rewritten without BILL_VOTE).
    assert run.documents_deleted == 2 + 1


async def test_days_whose_raw_events_may_have_expired_are_skipped_and_kept(
    questlog: Questlog,
) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby("p1", "c1", 10, timedelta(days=12))])
    day = stats.today() - timedelta(days=12)
    await stats.recompute([day], job="test")
    before = await stored_buckets()
    clock.advance(days=3)  # the day is now older than the 14 days raw events are kept

    run = await stats.recompute([day], job="test")

    assert run.skipped_days == [day.isoformat()]
    assert run.days == []
    assert await stored_buckets() == before


async def test_two_processes_rolling_up_at_once_write_the_same_buckets(
    questlog: Questlog,
) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    _, other_process = services(questlog, clock)
    await ingest(ingestor, [lobby(f"p{i % 7}", f"c{i % 3}", i, timedelta(hours=5 * i))
                            for i in range(40)])
    # The oldest event is 8 days 3 hours back: on the 10th day back before 03:00.
    days = [stats.today() - timedelta(days=d) for d in range(10)]

    await asyncio.gather(stats.recompute(days, job="a"), other_process.recompute(days, job="b"))

    assert_same_statistics(await rolled_up(), await recomputed())


async def test_a_day_that_keeps_failing_is_recorded_and_the_others_are_rebuilt(
    questlog: Questlog, monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby("p1", "c1", 10, timedelta(days=d)) for d in range(3)])
    broken = stats.today() - timedelta(days=1)
    read = Rollup.prepare  # every path of a day's rebuild reads it first

    async def flaky(self: Rollup, day: date, **options: Any) -> Any:
        if day == broken:
            raise AutoReconnect("connection reset")
        return await read(self, day, **options)

    monkeypatch.setattr(Rollup, "prepare", flaky)

    run = await stats.recompute([stats.today() - timedelta(days=d) for d in range(3)], job="t")

    assert run.status == "failed"
    assert run.errors == [f"{broken.isoformat()}: connection reset"]
    assert broken.isoformat() not in run.days
    assert len(run.days) == 2
    stored = await JobRun.get_motor_collection().find_one({"_id": run.id})
    assert stored is not None
    assert stored["status"] == "failed"


def fail_once(monkeypatch: pytest.MonkeyPatch, step: str, when: Callable[[Any], bool]
              ) -> list[Any]:
    """Rollup.<step> fails once, as a dropped connection, for the first argument `when`
    holds for; the list of the arguments it failed for."""
    original, failed = getattr(Rollup, step), []

    async def flaky(self: Rollup, argument: Any) -> Any:
        if when(argument) and not failed:
            failed.append(argument)
            raise AutoReconnect("connection reset")
        return await original(self, argument)

    monkeypatch.setattr(Rollup, step, flaky)
    return failed


async def test_a_day_whose_write_fails_once_is_rebuilt_on_its_own(
    questlog: Questlog, monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby("p1", "c1", 10 * d, timedelta(days=d)) for d in range(1, 4)])
    flaky_day = stats.today() - timedelta(days=2)
    failed = fail_once(monkeypatch, "store", lambda prepared: prepared.span.start_day == flaky_day)

    run = await stats.recompute([stats.today() - timedelta(days=d) for d in range(1, 4)],
                                job="t")

    assert [prepared.span.start_day for prepared in failed] == [flaky_day]
    assert run.status == "ok"
    assert len(run.days) == 3
    assert_same_statistics(await rolled_up(), await recomputed())


async def test_a_week_whose_read_fails_once_is_rebuilt_on_its_own_and_the_others_too(
    questlog: Questlog, monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby("p1", "c1", 10 * d, timedelta(days=d)) for d in range(1, 10)])
    days = [stats.today() - timedelta(days=d) for d in range(1, 10)]
    mondays = weeks_of(days)
    failed = fail_once(monkeypatch, "prepare_week", lambda monday: monday == mondays[0])

    run = await stats.recompute(days, job="t")

    assert failed == [mondays[0]]
    assert len(mondays) >= 2
    assert run.status == "ok"
    assert run.weeks == [m.isoformat() for m in mondays]
    assert_same_statistics(await rolled_up(), await recomputed())


async def test_a_week_whose_days_sum_past_the_largest_number_is_still_rolled_up(
    questlog: Questlog,
) -> None:
    # At noon: last week's Monday is 7 to 13 days back, and on a Sunday after 23:55 UTC
    # (raw TTL 14 days, less the 5 minutes an event may be early) 13 days back is no
    # longer recomputable, so the Monday would be skipped.
    clock = Clock(NOW.replace(hour=12, minute=0, second=0))
    ingestor, stats = services(questlog, clock)
    monday = week_of(stats.today()) - timedelta(days=7)
    days = [monday, monday + timedelta(days=1)]
    await ingest(ingestor, [
        lobby(user, "c1", 1e308, timedelta(0), occurred_at=f"{day}T12:00:00+00:00")
        for user, day in [("p1", days[0]), ("p2", days[0]), ("p1", days[1])]
    ])

    run = await stats.recompute(days, job="test")

    assert run.errors == []
    buckets = await rolled_up()
    day = buckets[("daily", str(monday), "LOBBY_ATTEMPT", "global", None, None)]
    week = buckets[("weekly", str(monday), "LOBBY_ATTEMPT", "global", None, None)]
    assert (day["count"], week["count"]) == (2, 3)
    assert day["fields"]["spend"]["sum"] == week["fields"]["spend"]["sum"] == math.inf
    assert week["fields"]["spend"]["max"] == 1e308


class TestBerlinBuckets:
    """QUESTLOG_BUCKET_TZ=Europe/Berlin, on the day DST began (23 hours) in 2025."""

    DST_DAY = date(2025, 3, 30)
    CLOCK = datetime(2025, 3, 31, 12, tzinfo=UTC)

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        # Kept long enough that the in-memory store's real-time TTL leaves 2025 alone.
        return settings.model_copy(update={
            "bucket_tz": "Europe/Berlin", "raw_ttl_days": 36_500, "daily_ttl_days": 36_500,
            "weekly_ttl_days": 36_500, "max_past_days": 36_500,
        })

    async def test_events_go_to_their_local_day_and_the_day_lasts_23_hours(
        self, questlog: Questlog,
    ) -> None:
        clock = Clock(self.CLOCK)
        ingestor, stats = services(questlog, clock)
        moments = [
            datetime(2025, 3, 29, 22, 59, 59, tzinfo=UTC),  # 23:59:59 CET, Saturday
            datetime(2025, 3, 29, 23, 0, 0, tzinfo=UTC),  # 00:00 CET, Sunday
            datetime(2025, 3, 30, 21, 59, 59, tzinfo=UTC),  # 23:59:59 CEST, Sunday
            datetime(2025, 3, 30, 22, 0, 0, tzinfo=UTC),  # 00:00 CEST, Monday
        ]
        await ingest(ingestor, [bill_vote(occurred_at=m.isoformat()) for m in moments])

        await stats.recompute([self.DST_DAY - timedelta(days=1), self.DST_DAY,
                               self.DST_DAY + timedelta(days=1)], job="test")

        daily = {d["period_start"]: d async for d in DailyStat.get_motor_collection().find(
            {"scope": "global"})}
        assert {day: d["types"]["BILL_VOTE"]["count"] for day, d in daily.items()} == {
            "2025-03-29": 1, "2025-03-30": 2, "2025-03-31": 1,
        }
        sunday = daily["2025-03-30"]
        assert sunday["time_zone"] == "Europe/Berlin"
        assert sunday["ends_at"] - sunday["starts_at"] == timedelta(hours=23)
        assert_same_statistics(await rolled_up("Europe/Berlin"), await recomputed("Europe/Berlin"))


async def test_a_recompute_that_stops_midway_leaves_no_day_being_written(
    questlog: Questlog,
) -> None:
    clock = Clock(NOW)
    ingestor, stats = services(questlog, clock)
    await ingest(ingestor, [lobby(f"p{d}", "c1", 10, timedelta(days=d)) for d in (1, 2, 3)])
    days = [stats.today() - timedelta(days=d) for d in (3, 2, 1)]

    def stop(day: date) -> None:  # a caller that gives up after the first day
        raise RuntimeError(f"stopped at {day}")

    with pytest.raises(RuntimeError, match="stopped at"):
        await stats.recompute(days, job="test", on_day=stop)

    # The next day was being stored when the caller stopped: it was stopped too, at once.
    assert [t for t in asyncio.all_tasks()
            if not t.done() and "Rollup.store" in repr(t.get_coro())] == []
