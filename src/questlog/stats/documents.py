"""Beanie documents of the aggregates: daily and weekly buckets, job runs, job leases.

Buckets are written by the rollup as plain dicts through the Motor collection (see
rollup.py); these models name the collections, declare the indexes and type the
stored shape. Retention is a TTL index on `starts_at`, managed by
store.indexes.ensure_ttl_index from the settings, so a bucket lives for its retention
counted from the start of its period, and a changed setting applies in place.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

import pymongo
from beanie import Document
from pydantic import Field

DAILY_STATS = "daily_stats"
WEEKLY_STATS = "weekly_stats"
JOB_RUNS = "job_runs"
LEASES = "job_leases"

_BUCKET_INDEXES = [
    # The rollup: every document of a period (to delete the stale ones), and the weekly
    # rollup: a day's game and company documents, without its players'. An owner's
    # documents over a range of periods (the stats API, the company dashboard) are a
    # range of _ids (see stats.buckets), so they need no index of their own: owner_period
    # and period_type_owner, which every write paid for, are gone.
    pymongo.IndexModel([("period_start", 1), ("scope", 1)], name="period_scope"),
]
# The runs of a job, newest first: its last successful run is its watermark. All runs
# newest first are read through the TTL index on started_at (see ensure_ttl_index).
_RUN_INDEXES = [
    pymongo.IndexModel([("job", 1), ("status", 1), ("started_at", -1)], name="job_time"),
]


class StatBucket(Document):
    """One period of one owner, with its buckets of every event type (see stats.buckets);
    `_id` is the owner and the period start."""

    id: str  # type: ignore[assignment]
    period: Literal["daily", "weekly"]
    period_start: str  # the first local day, YYYY-MM-DD
    scope: Literal["global", "company", "user"]
    company_id: str | None = None
    user_id: str | None = None
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    # event type -> {count, successes, distinct_users, distinct_users_exact, users (the
    # user ids while exact) or users_hll (else a compressed HyperLogLog, see
    # stats.sketch), fields, and estimated_count where sampled events were counted}
    types: dict[str, dict[str, Any]] = Field(default_factory=dict)


class DailyStat(StatBucket):
    class Settings:
        name = DAILY_STATS
        indexes = _BUCKET_INDEXES


class WeeklyStat(StatBucket):
    class Settings:
        name = WEEKLY_STATS
        indexes = _BUCKET_INDEXES


class JobRun(Document):
    """What one run of a rollup did; the newest successful run of a job is its watermark."""

    job: str
    source: Literal["schedule", "api", "cli"]
    status: Literal["ok", "failed"] = "ok"
    started_at: datetime
    finished_at: datetime | None = None
    duration_s: float = 0.0
    days: list[str] = Field(default_factory=list)
    weeks: list[str] = Field(default_factory=list)
    skipped_days: list[str] = Field(default_factory=list)
    # Of `days`, those refreshed by folding their new events in (stats/today.py).
    folded_days: list[str] = Field(default_factory=list)
    events_read: int = 0
    documents_written: int = 0
    documents_deleted: int = 0
    errors: list[str] = Field(default_factory=list)
    # What a check found (the data-quality job): figures, and warnings that do not fail it.
    figures: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)

    class Settings:
        name = JOB_RUNS
        indexes = _RUN_INDEXES

    def public(self) -> dict[str, Any]:
        """The run as the API shows it; `period` spans every day and week it rebuilt."""
        spans = [(d, d) for d in map(date.fromisoformat, self.days)] + [
            (w, w + timedelta(days=6)) for w in map(date.fromisoformat, self.weeks)
        ]
        period = None
        if spans:
            period = {"from": min(s for s, _ in spans).isoformat(),
                      "to": max(e for _, e in spans).isoformat()}
        return {"id": str(self.id), "period": period, **self.model_dump(exclude={"id"})}


class DayCursor(Document):
    """Which of a day's events its buckets hold (see stats.today); `_id` is the day."""

    id: str  # type: ignore[assignment]
    gen: int = 0
    state: Literal["ready", "busy", "doubt"] = "busy"
    bound: datetime | None = None
    extras: list[list[Any]] = Field(default_factory=list)
    fingerprint: str | None = None

    class Settings:
        name = "stats_cursors"


class Lease(Document):
    """Who runs a job now, until when; `_id` is the job's name."""

    id: str  # type: ignore[assignment]
    owner: str
    expires_at: datetime

    class Settings:
        name = LEASES


MODELS: list[type[Document]] = [DailyStat, WeeklyStat, JobRun, DayCursor, Lease]
