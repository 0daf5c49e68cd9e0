"""The scheduled jobs of operations, built on the running services (bootstrap lists them
beside jobs.JOBS): the nightly data-quality checks, and the nightly export to
QUESTLOG_EXPORT_DIR when it is set."""

from __future__ import annotations

from datetime import datetime, timedelta

from jobs.job import Job
from jobs.triggers import AfterMidnight
from questlog.ops.export.plan import ExportRequest
from questlog.ops.export.service import Exporter
from questlog.ops.metrics import Metrics
from questlog.ops.quality import AcknowledgedCounter, check_day, variance_figures
from questlog.settings import Settings
from questlog.stats.documents import JobRun
from questlog.stats.periods import Calendar
from questlog.stats.service import StatsService
from questlog.store.documents import StoredEvent

EXPORT_EVENTS = "export_events"
DATA_QUALITY = "data_quality"
OPS_JOB_NAMES = (DATA_QUALITY, EXPORT_EVENTS)  # for `questlog jobs --once`


def export_job(settings: Settings, exporter: Exporter) -> Job:
    """Every night: what was received since the last export, then the retention."""
    out = settings.export_dir
    assert out is not None

    async def export_events(stats: StatsService, now: datetime) -> JobRun:
        async with stats.runs.record(EXPORT_EVENTS, "schedule") as run:
            request = ExportRequest(out=out, since_last=True)
            result = await exporter.export(request, source="schedule")
            run.events_read, run.documents_written = result.run.rows, result.run.files
            run.days = sorted({f["path"].split("/")[0].removeprefix("date=")
                               for f in result.files})
            run.errors.extend(result.run.errors)
            removed = await exporter.remove_expired(
                out, keep_days=settings.export_retention_days
            )
            run.documents_deleted = len(removed)
        return run

    def trigger(calendar: Calendar) -> AfterMidnight:
        return AfterMidnight(calendar, timedelta(minutes=20))

    return Job(EXPORT_EVENTS, export_events, trigger)


def quality_job(metrics: Metrics, acknowledged: AcknowledgedCounter | None) -> Job:
    """Every night: yesterday's data-quality checks, their figures in the run, a warning
    (and the metric) past 3 %."""

    async def data_quality(stats: StatsService, now: datetime) -> JobRun:
        if acknowledged is not None:
            await acknowledged.flush()  # this process's counts in too
        day = stats.calendar.day_of(now) - timedelta(days=1)
        async with stats.runs.record(DATA_QUALITY, "schedule") as run:
            results = await check_day(
                events=StoredEvent.get_motor_collection(), calendar=stats.calendar, day=day
            )
            run.days = [day.isoformat()]
            run.figures = variance_figures(day, results)
            run.warnings = [w for r in results if (w := r.warning) is not None]
            for result in results:
                metrics.quality_variance.labels(check=result.check).set(result.variance)
        return run

    def trigger(calendar: Calendar) -> AfterMidnight:
        return AfterMidnight(calendar, timedelta(minutes=40))

    return Job(DATA_QUALITY, data_quality, trigger)


def operations_jobs(
    settings: Settings, exporter: Exporter, metrics: Metrics,
    acknowledged: AcknowledgedCounter | None = None,
) -> list[Job]:
    jobs = [quality_job(metrics, acknowledged)]
    if settings.export_dir:
        jobs.append(export_job(settings, exporter))
    return jobs
