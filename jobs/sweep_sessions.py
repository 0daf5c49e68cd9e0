"""Every minute: summarize the sessions that received events since the last sweep, refit
the models a crash left pending, and close the sessions idle for longer than
QUESTLOG_SESSION_IDLE_MINUTES. Idempotent: a summary is recomputed whole.

Built by bootstrap around the running sessions part (see jobs_for), under its own lease
as every job is.
"""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.interval import IntervalTrigger

from jobs.job import Job
from questlog.sessions.sweep import SessionSweeper
from questlog.stats.documents import JobRun
from questlog.stats.periods import Calendar
from questlog.stats.service import StatsService

NAME = "sweep_sessions"


def trigger(calendar: Calendar) -> IntervalTrigger:
    return IntervalTrigger(minutes=1, timezone=calendar.zone)


def job(sweeper: SessionSweeper) -> Job:
    async def sweep_sessions(stats: StatsService, now: datetime) -> JobRun:
        async with stats.runs.record(NAME, "schedule") as run:
            result = await sweeper.run(now)
            run.events_read = result.looked_at
            run.documents_written = result.summarized + result.closed_idle + result.refitted
        return run

    return Job(NAME, sweep_sessions, trigger)
