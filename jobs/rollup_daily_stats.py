"""Shortly after midnight: yesterday, whole, and its week."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

from jobs.job import Job
from questlog.stats.documents import JobRun
from questlog.stats.service import StatsService

NAME = "rollup_daily_stats"


async def rollup_daily_stats(stats: StatsService, now: datetime) -> JobRun:
    yesterday = stats.calendar.day_of(now) - timedelta(days=1)
    return await stats.recompute([yesterday], job=NAME)


def trigger(time_zone: tzinfo) -> CronTrigger:
    return CronTrigger(hour=0, minute=5, timezone=time_zone)


JOB = Job(NAME, rollup_daily_stats, trigger)
