"""Scheduled jobs: one module per job, each declaring its own trigger, listed in JOBS.

`questlog jobs` runs them as a process of their own; `questlog serve` runs them too
unless QUESTLOG_SCHEDULER_ENABLED=false. A lease in MongoDB lets one process at a time
run each job, however many host the scheduler. `questlog jobs --once NAME` runs one
job now; `questlog rollup --from DAY --to DAY` recomputes a range by hand.
"""

from jobs import rollup_daily_stats, rollup_recent_days, rollup_weekly_stats
from jobs.job import Job

JOBS: list[Job] = [rollup_daily_stats.JOB, rollup_recent_days.JOB, rollup_weekly_stats.JOB]

__all__ = ["JOBS", "Job"]
