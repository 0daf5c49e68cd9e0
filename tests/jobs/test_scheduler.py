"""The schedule: every job declares its trigger, runs under its lease, in the service."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.date import DateTrigger

from jobs import JOBS, Job, sweep_sessions
from jobs.scheduler import JobScheduler
from questlog.api.app import create_app
from questlog.bootstrap import Questlog
from questlog.settings import Settings
from questlog.stats.documents import JobRun, Lease
from questlog.stats.lease import Leases
from questlog.stats.periods import Calendar
from questlog.stats.service import StatsService

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def next_fire(name: str, after: datetime, previous: datetime | None = None) -> datetime:
    [job] = [job for job in JOBS if job.name == name]
    zone = after.tzinfo
    assert isinstance(zone, ZoneInfo)
    fire = job.trigger(Calendar(zone.key)).get_next_fire_time(previous, after)
    assert fire is not None
    return fire


def test_job_names_are_unique() -> None:
    assert len({job.name for job in JOBS}) == len(JOBS) == 3


def test_the_daily_job_runs_shortly_after_midnight_in_the_bucket_time_zone() -> None:
    fire = next_fire("rollup_daily_stats", datetime(2025, 3, 29, 12, tzinfo=BERLIN))

    assert fire == datetime(2025, 3, 30, 0, 5, tzinfo=BERLIN)


def test_the_weekly_job_runs_on_monday_after_the_daily_one() -> None:
    # The week of 24 March 2025 ends a day after DST began: a CronTrigger skips its run.
    fire = next_fire("rollup_weekly_stats", datetime(2025, 3, 26, 12, tzinfo=BERLIN))

    assert fire == datetime(2025, 3, 31, 0, 30, tzinfo=BERLIN)


@pytest.mark.parametrize("day", [8, 9, 10])
def test_the_daily_job_runs_every_day_across_dst(day: int) -> None:
    previous = datetime(2025, 3, day, 0, 5, tzinfo=LOS_ANGELES)

    fire = next_fire("rollup_daily_stats", previous + timedelta(seconds=1), previous)

    assert fire == datetime(2025, 3, day + 1, 0, 5, tzinfo=LOS_ANGELES)


def test_the_recent_days_job_runs_every_few_minutes() -> None:
    start = datetime(2025, 3, 26, 12, tzinfo=BERLIN)
    first = next_fire("rollup_recent_days", start)

    assert timedelta(0) < next_fire("rollup_recent_days", first) - first <= timedelta(minutes=5)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"scheduler_enabled": True})


async def test_the_service_schedules_every_job_and_stops_them_at_shutdown(
    settings: Settings,
) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        scheduler = app.state.questlog.scheduler
        scheduled = {job.id: job.next_run_time for job in scheduler.scheduled()}
        # jobs.JOBS, the sessions sweep, and the jobs of operations (data_quality always)
        assert set(scheduled) == {job.name for job in JOBS} | {sweep_sessions.NAME, "data_quality"}
        assert all(when is not None for when in scheduled.values())
        assert scheduler.running
    assert not scheduler.running


async def test_of_two_processes_one_runs_a_job_and_the_other_skips_it(
    questlog: Questlog,
) -> None:
    [job] = [job for job in JOBS if job.name == "rollup_recent_days"]
    processes = [
        JobScheduler(jobs=JOBS, stats=questlog.stats, leases=Leases(Lease.get_motor_collection()))
        for _ in range(2)
    ]

    runs = await asyncio.gather(*(p.run_once(job) for p in processes))

    assert sorted(run is None for run in runs) == [False, True]
    assert await JobRun.get_motor_collection().count_documents({}) == 1


async def test_a_failing_job_is_logged_and_the_others_still_run(
    questlog: Questlog, caplog: pytest.LogCaptureFixture,
) -> None:
    done = asyncio.Event()

    async def broken(stats: StatsService, now: datetime) -> JobRun:
        raise RuntimeError("bug in a job")

    async def healthy(stats: StatsService, now: datetime) -> JobRun:
        done.set()
        return await stats.recompute([], job="healthy")

    def now_trigger(zone: object) -> DateTrigger:
        return DateTrigger(datetime.now(UTC))

    scheduler = JobScheduler(
        jobs=[Job("broken", broken, now_trigger), Job("healthy", healthy, now_trigger)],
        stats=questlog.stats, leases=Leases(Lease.get_motor_collection()),
    )
    async def logged(text: str) -> None:
        while text not in caplog.text:
            await asyncio.sleep(0.01)

    scheduler.start()
    try:  # both finished: stopping earlier would cancel broken's release of its lease
        await asyncio.wait_for(asyncio.gather(done.wait(), logged("broken failed")), timeout=5)
    finally:
        await scheduler.stop()

    assert "broken failed" in caplog.text
    assert "bug in a job" in caplog.text
