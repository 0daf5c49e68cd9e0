"""Every few minutes: today so far, so that today is visible, and every day that
received events since this job last ran through (late events), with their weeks.

A past day is always rebuilt whole from its raw events, so a late event is counted
once, in its own day, however many runs see it. Today is refreshed by folding in only
what it received since the last refresh (stats/today.py), or rebuilt whole when its
cursor cannot be trusted.
"""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.interval import IntervalTrigger

from jobs.job import Job
from questlog.stats.documents import JobRun
from questlog.stats.periods import Calendar
from questlog.stats.service import StatsService

NAME = "rollup_recent_days"


async def rollup_recent_days(stats: StatsService, now: datetime) -> JobRun:
    days = await stats.days_with_new_events(NAME)
    return await stats.recompute({stats.calendar.day_of(now), *days}, job=NAME, fold_today=True)


def trigger(calendar: Calendar) -> IntervalTrigger:
    return IntervalTrigger(minutes=5, timezone=calendar.zone)


JOB = Job(NAME, rollup_recent_days, trigger)
