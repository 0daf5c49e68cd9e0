"""Early on Monday: last week, whole, from its seven daily buckets (never raw events)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

from jobs.job import Job
from questlog.stats.documents import JobRun
from questlog.stats.periods import week_of
from questlog.stats.service import StatsService

NAME = "rollup_weekly_stats"


async def rollup_weekly_stats(stats: StatsService, now: datetime) -> JobRun:
    last_week = week_of(stats.calendar.day_of(now)) - timedelta(days=7)
    return await stats.recompute_weeks([last_week], job=NAME)


def trigger(time_zone: tzinfo) -> CronTrigger:
    # after rollup_daily_stats has finished Sunday
    return CronTrigger(day_of_week="mon", hour=0, minute=30, timezone=time_zone)


JOB = Job(NAME, rollup_weekly_stats, trigger)
