"""The statistics service: recompute days and the weeks they touch, record every run.

Jobs, the API and the CLI all call this. A day is rebuilt only while all of its raw
events still exist: raw events expire (TTL on received_at) long before buckets do,
so rebuilding an older day would silently shrink it; such days are skipped and
their stored buckets kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from pymongo.errors import PyMongoError

from questlog.clock import utcnow
from questlog.settings import Settings
from questlog.stats.documents import JobRun
from questlog.stats.periods import Calendar, recomputable_range, weeks_of
from questlog.stats.pipeline import days_of_hours, hours_pipeline
from questlog.stats.reads import StatsQuery, read_stats
from questlog.stats.rollup import Rollup, Tally
from questlog.stats.runs import RunLog, Source
from questlog.store.retry import StoreUnavailable, with_retries
from questlog.store.types import MotorCollection

MAX_RECOMPUTE_DAYS = 31
# received_at is stamped before the insert is acknowledged, and a write may retry for
# seconds: an event stamped just before a run started can become visible only after
# that run read the events. Looking back this much further than the last run catches it.
LATE_MARGIN = timedelta(minutes=5)
RECOMPUTE_JOB = "recompute_stats"


class StatsService:
    def __init__(
        self, *, settings: Settings, events: MotorCollection,
        daily: MotorCollection, weekly: MotorCollection,
        runs: MotorCollection, clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.calendar = Calendar(settings.bucket_tz)
        self.clock = clock
        self.runs = RunLog(runs, clock)
        self._events = events
        self._buckets = {"daily": daily, "weekly": weekly}
        self._rollup = Rollup(events=events, daily=daily, weekly=weekly, calendar=self.calendar)

    def today(self) -> date:
        return self.calendar.day_of(self.clock())

    def oldest_recomputable(self) -> date:
        """The first day none of whose raw events can have expired yet (an event may be
        stamped up to max_future_seconds before its event_time)."""
        early = timedelta(seconds=self.settings.max_future_seconds)
        first_kept = self.clock() - self.settings.raw_ttl + early
        return self.calendar.day_of(first_kept) + timedelta(days=1)

    async def recompute(
        self, days: Iterable[date], *, job: str, source: Source = "schedule",
        on_day: Callable[[date], object] | None = None,
    ) -> JobRun:
        """Rebuild `days` from raw events, then the weeks they touch from daily buckets."""
        async with self.runs.record(job, source) as run:
            oldest = self.oldest_recomputable()
            done = []
            for day in sorted(set(days)):
                if day < oldest:
                    run.skipped_days.append(day.isoformat())
                elif await self._attempt(run, day, self._rollup.day):
                    done.append(day)
                    run.days.append(day.isoformat())
                if on_day:
                    on_day(day)
            await self._weeks(run, weeks_of(done))
        return run

    async def recompute_weeks(self, mondays: Iterable[date], *, job: str,
                              source: Source = "schedule") -> JobRun:
        """Rebuild the weeks starting on `mondays` from their daily buckets."""
        async with self.runs.record(job, source) as run:
            await self._weeks(run, sorted(set(mondays)))
        return run

    async def recompute_range(
        self, first: date, last: date, *, source: Source,
        on_day: Callable[[date], object] | None = None,
    ) -> JobRun:
        """Rebuild first..last by hand; Rejected when some day cannot be rebuilt."""
        days = recomputable_range(
            first, last, oldest=self.oldest_recomputable(), today=self.today(),
            max_days=MAX_RECOMPUTE_DAYS,
        )
        return await self.recompute(days, job=RECOMPUTE_JOB, source=source, on_day=on_day)

    async def days_with_new_events(self, job: str) -> set[date]:
        """The days that received events since `job` last ran through (all, the first time)."""
        last = await self.runs.last_success(job)
        since = last.started_at - LATE_MARGIN if last else self.clock() - self.settings.raw_ttl
        hours = [row["_id"] async for row in self._events.aggregate(hours_pipeline(since))]
        return days_of_hours(hours, self.calendar)

    async def read(self, query: StatsQuery) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The buckets a designer asked for, oldest first, and meta (see reads.read_stats)."""
        return await read_stats(
            self._buckets[query.period], query, calendar=self.calendar, now=self.clock(),
            min_company_n=self.settings.min_company_n, daily=self._buckets["daily"],
        )

    async def _weeks(self, run: JobRun, mondays: list[date]) -> None:
        for monday in mondays:
            if await self._attempt(run, monday, self._rollup.week):
                run.weeks.append(monday.isoformat())

    async def _attempt(
        self, run: JobRun, start: date, rebuild: Callable[[date], Awaitable[Tally]]
    ) -> bool:
        """Rebuild one period, retrying transient errors (a rebuild is idempotent); a
        period that still fails is noted in the run and the others go on."""
        try:
            tally = await with_retries(
                lambda: rebuild(start), retries=self.settings.write_retries,
                backoff=self.settings.write_backoff_seconds,
            )
        except (StoreUnavailable, PyMongoError) as exc:
            run.errors.append(f"{start.isoformat()}: {exc}")
            return False
        run.events_read += tally.events_read
        run.documents_written += tally.written
        run.documents_deleted += tally.deleted
        return True
