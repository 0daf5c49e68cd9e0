"""Shortly after midnight: yesterday, whole, and its week."""

from __future__ import annotations

from datetime import datetime, timedelta

from jobs.job import Job
from jobs.triggers import AfterMidnight
from questlog.stats.documents import JobRun
from questlog.stats.periods import Calendar
from questlog.stats.service import StatsService

NAME = "rollup_daily_stats"


async def rollup_daily_stats(stats: StatsService, now: datetime) -> JobRun:
    yesterday = stats.calendar.day_of(now) - timedelta(days=1)
    return await stats.recompute([yesterday], job=NAME)


def trigger(calendar: Calendar) -> AfterMidnight:
    return AfterMidnight(calendar, timedelta(minutes=5))


JOB = Job(NAME, rollup_daily_stats, trigger)
