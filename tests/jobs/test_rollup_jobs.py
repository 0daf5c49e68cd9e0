"""Each job rebuilds the periods it is named for, and says so in its run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import bill_vote

from jobs.rollup_daily_stats import rollup_daily_stats
from jobs.rollup_recent_days import rollup_recent_days
from jobs.rollup_weekly_stats import rollup_weekly_stats
from questlog.bootstrap import Questlog
from questlog.stats.periods import week_of


def vote(days_back: int) -> dict[str, object]:
    return bill_vote(occurred_at=(datetime.now(UTC) - timedelta(days=days_back)).isoformat())


async def test_the_daily_job_rebuilds_yesterday_and_its_week(questlog: Questlog) -> None:
    await questlog.ingestor.ingest([vote(0), vote(1), vote(2)])
    now = datetime.now(UTC)
    yesterday = questlog.stats.calendar.day_of(now) - timedelta(days=1)

    run = await rollup_daily_stats(questlog.stats, now)

    assert (run.job, run.source, run.status) == ("rollup_daily_stats", "schedule", "ok")
    assert run.days == [yesterday.isoformat()]
    assert run.weeks == [week_of(yesterday).isoformat()]
    assert run.events_read == 1


async def test_the_recent_job_rebuilds_today_and_every_day_that_got_events(
    questlog: Questlog,
) -> None:
    await questlog.ingestor.ingest([vote(3), vote(5)])
    now = datetime.now(UTC)
    today = questlog.stats.calendar.day_of(now)

    run = await rollup_recent_days(questlog.stats, now)

    assert run.days == [(today - timedelta(days=d)).isoformat() for d in (5, 3, 0)]
    assert run.events_read == 2


async def test_the_weekly_job_rebuilds_last_week_from_its_days(questlog: Questlog) -> None:
    now = datetime.now(UTC)
    last_monday = week_of(questlog.stats.calendar.day_of(now)) - timedelta(days=7)

    run = await rollup_weekly_stats(questlog.stats, now)

    assert (run.days, run.weeks) == ([], [last_monday.isoformat()])
