"""Early on Monday: last week, whole, from its seven daily buckets (never raw events)."""

from __future__ import annotations

from datetime import datetime, timedelta

from jobs.job import Job
from jobs.triggers import AfterMidnight
from questlog.stats.documents import JobRun
from questlog.stats.periods import Calendar, week_of
from questlog.stats.service import StatsService

NAME = "rollup_weekly_stats"


async def rollup_weekly_stats(stats: StatsService, now: datetime) -> JobRun:
    last_week = week_of(stats.calendar.day_of(now)) - timedelta(days=7)
    return await stats.recompute_weeks([last_week], job=NAME)


def trigger(calendar: Calendar) -> AfterMidnight:
    # on Monday, after rollup_daily_stats has finished Sunday
    return AfterMidnight(calendar, timedelta(minutes=30), weekday=0)


JOB = Job(NAME, rollup_weekly_stats, trigger)
