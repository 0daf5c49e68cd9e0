"""The statistics service: recompute days and the weeks they touch, record every run.

Jobs, the API and the CLI all call this. A day is rebuilt only while all of its raw
events still exist: raw events expire (TTL on received_at) long before buckets do,
so rebuilding an older day would silently shrink it; such days are skipped and
their stored buckets kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from contextlib import aclosing
from datetime import date, datetime, timedelta
from typing import Any

from pymongo.errors import PyMongoError

from questlog.clock import utcnow
from questlog.settings import Settings
from questlog.stats.documents import DayCursor, JobRun
from questlog.stats.helper import Helper
from questlog.stats.periods import Calendar, recomputable_range, weeks_of
from questlog.stats.pipeline import days_of_hours, hours_pipeline
from questlog.stats.reads import StatsQuery, read_stats
from questlog.stats.rollup import Rollup
from questlog.stats.runs import RunLog, Source
from questlog.stats.today import Today
from questlog.stats.writer import Tally
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
        cursors: MotorCollection | None = None, helper: Helper | None = None,
    ) -> None:
        self.settings = settings
        self.calendar = Calendar(settings.bucket_tz)
        self.clock = clock
        self.runs = RunLog(runs, clock)
        self._events = events
        self._buckets = {"daily": daily, "weekly": weekly}
        self._helper = helper  # the rollup's second process for dense days (stats/helper.py)
        self._rollup = Rollup(events=events, daily=daily, weekly=weekly, calendar=self.calendar,
                              helper=helper)
        self._today = Today(
            rollup=self._rollup, events=events, daily=daily,
            cursors=cursors if cursors is not None else DayCursor.get_motor_collection(),
            time_zone=settings.bucket_tz,
            settle=timedelta(seconds=settings.stats_settle_seconds), clock=clock,
        )

    async def close(self) -> None:
        """Stop the rollup's helper process, if one was started."""
        if self._helper is not None:
            await asyncio.to_thread(self._helper.close)

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
        on_day: Callable[[date], object] | None = None, fold_today: bool = False,
    ) -> JobRun:
        """Rebuild `days` from raw events, then the weeks they touch from daily buckets.
        With `fold_today`, today is refreshed by folding in what it received since its
        last rebuild or refresh, where its cursor allows (see stats.today)."""
        async with self.runs.record(job, source) as run:
            oldest, today = self.oldest_recomputable(), self.today()
            wanted = sorted(set(days))
            done: list[date] = []
            for day in (d for d in wanted if d < oldest):
                run.skipped_days.append(day.isoformat())
                if on_day:
                    on_day(day)
            # Every day but today in one pass whose writes overlap the next day's reads;
            # today last, on its own, because of its cursor.
            whole = [d for d in wanted if d >= oldest and d != today]
            async with aclosing(self._rollup.days(whole)) as rebuilt_days:
                async for day, outcome in rebuilt_days:
                    if await self._settled(run, day, outcome, self._rollup.day):
                        done.append(day)
                        run.days.append(day.isoformat())
                    if on_day:
                        on_day(day)
            if today in wanted and today >= oldest:
                rebuild = self._refresh(run) if fold_today else self._rebuild
                if await self._attempt(run, today, rebuild):
                    done.append(today)
                    run.days.append(today.isoformat())
                if on_day:
                    on_day(today)
            run.days.sort()  # today, done last, may precede days after it
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

    async def _rebuild(self, day: date) -> Tally:
        """The whole day; today's leaves the cursor its refreshes fold from."""
        if day == self.today():
            return await self._today.full(day)
        return await self._rollup.day(day)

    def _refresh(self, run: JobRun) -> Callable[[date], Awaitable[Tally]]:
        async def refresh(day: date) -> Tally:
            folded = await self._today.refresh(day)
            if folded is None:  # no usable cursor: the whole day, which makes one
                return await self._today.full(day)
            run.folded_days.append(day.isoformat())
            return folded
        return refresh

    async def _weeks(self, run: JobRun, mondays: list[date]) -> None:
        # In one pass whose reads overlap the previous week's merge and writes.
        async with aclosing(self._rollup.weeks(mondays)) as rebuilt_weeks:
            async for monday, outcome in rebuilt_weeks:
                if await self._settled(run, monday, outcome, self._rollup.week):
                    run.weeks.append(monday.isoformat())

    async def _settled(
        self, run: JobRun, start: date, outcome: Tally | Exception,
        rebuild: Callable[[date], Awaitable[Tally]],
    ) -> bool:
        """Whether a period of a pass (Rollup.days, Rollup.weeks) ended rebuilt: counted,
        or, when the pass failed it, retried on its own, as any period."""
        if isinstance(outcome, Exception):
            return await self._attempt(run, start, rebuild)
        return _counted(run, outcome)

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
        return _counted(run, tally)


def _counted(run: JobRun, tally: Tally) -> bool:
    run.events_read += tally.events_read
    run.documents_written += tally.written
    run.documents_deleted += tally.deleted
    return True
