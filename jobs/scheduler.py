"""The scheduler: APScheduler's AsyncIOScheduler on the service's event loop, each job
run under its lease so that one process at a time runs it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from apscheduler.job import Job as ScheduledJob
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from jobs.job import Job
from questlog.stats.documents import JobRun
from questlog.stats.lease import Leases
from questlog.stats.service import StatsService

log = logging.getLogger(__name__)

# A run missed by up to this much (the process was busy or starting) still happens;
# coalesce folds a backlog of missed runs into one, as every run is idempotent anyway.
MISFIRE_GRACE_SECONDS = 300


class JobScheduler:
    def __init__(
        self, *, jobs: Sequence[Job], stats: StatsService, leases: Leases,
        on_run: Callable[[JobRun], None] | None = None,
    ) -> None:
        self._jobs, self._stats, self._leases = list(jobs), stats, leases
        self._on_run = on_run  # told of every finished run (the metrics count them)
        self._scheduler = AsyncIOScheduler(timezone=stats.calendar.zone)
        self._running: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Schedule every job; call from within the running event loop."""
        for job in self._jobs:
            self._scheduler.add_job(
                self._scheduled, job.trigger(self._stats.calendar), args=[job], id=job.name,
                name=job.name, max_instances=1, coalesce=True,
                misfire_grace_time=MISFIRE_GRACE_SECONDS,
            )
        self._scheduler.start()

    def next_runs(self) -> dict[str, datetime | None]:
        """Each job's next scheduled run, for its lag."""
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    def scheduled(self) -> list[ScheduledJob]:
        return list(self._scheduler.get_jobs())

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    async def run_once(self, job: Job) -> JobRun | None:
        """Run `job` now unless another process is running it (then None)."""
        async with self._leases.hold(job.name) as held:
            if not held:
                log.info("%s is running in another process; not here", job.name)
                return None
            run = await job.run(self._stats, self._stats.clock())
        if self._on_run is not None:
            self._on_run(run)
        return run

    async def _scheduled(self, job: Job) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            run = await self.run_once(job)
            if run is not None and run.errors:
                log.error("%s finished with errors: %s", job.name, run.errors)
        except Exception:  # one job's failure must not stop the scheduler or the service
            log.exception("%s failed", job.name)
        finally:
            self._running.discard(task)

    async def stop(self) -> None:
        """Stop scheduling, cancel the runs in flight and wait until they released their
        leases and recorded themselves (as failed: they did not finish)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a callback on the loop
        running = list(self._running)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
