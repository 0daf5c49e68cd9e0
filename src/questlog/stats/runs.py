"""The record of every rollup run: what it did, how long it took, what went wrong."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Literal

from pymongo.errors import PyMongoError

from questlog.stats.documents import JobRun
from questlog.store.queries import Found, Page, find_page
from questlog.store.types import MotorCollection

log = logging.getLogger(__name__)

Source = Literal["schedule", "api", "cli"]


class RunLog:
    def __init__(self, collection: MotorCollection, clock: Callable[[], datetime]) -> None:
        self._collection, self._clock = collection, clock

    @contextlib.asynccontextmanager
    async def record(self, job: str, source: Source) -> AsyncIterator[JobRun]:
        """Yield a run to fill in; store it when the block ends, even when it raised."""
        run = JobRun(job=job, source=source, started_at=self._clock())
        started = time.perf_counter()
        try:
            yield run
        except BaseException as exc:  # cancelled at shutdown included: the run did not finish
            run.errors.append(f"{type(exc).__name__}: {exc}")
            raise
        finally:
            run.finished_at = self._clock()
            run.duration_s = round(time.perf_counter() - started, 3)
            run.status = "failed" if run.errors else "ok"
            await self._store(run)

    async def _store(self, run: JobRun) -> None:
        try:
            result = await self._collection.insert_one(run.model_dump(exclude={"id"}))
        except PyMongoError as exc:  # the run's own error, if any, matters more
            log.error("could not record a run of %s (%s): %s", run.job, exc, run.public())
            return
        run.id = result.inserted_id

    async def last_success(self, job: str) -> JobRun | None:
        document = await self._collection.find_one(
            {"job": job, "status": "ok"}, sort=[("started_at", -1)]
        )
        return JobRun.model_validate(document) if document else None

    async def page(self, *, job: str | None, page: Page) -> tuple[list[JobRun], Found]:
        """Runs, newest first, and the page they were found in (its total and cursor)."""
        query = {"job": job} if job else {}
        found = await find_page(self._collection, query, "started_at", page)
        return [JobRun.model_validate(d) for d in found.items], found
