"""The scheduled jobs of operations, built on the running services (bootstrap lists them
beside jobs.JOBS): the nightly export to QUESTLOG_EXPORT_DIR, when it is set."""

from __future__ import annotations

from datetime import datetime, timedelta

from jobs.job import Job
from jobs.triggers import AfterMidnight
from questlog.ops.export.plan import ExportRequest
from questlog.ops.export.service import Exporter
from questlog.settings import Settings
from questlog.stats.documents import JobRun
from questlog.stats.periods import Calendar
from questlog.stats.service import StatsService

EXPORT_EVENTS = "export_events"


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


def operations_jobs(settings: Settings, exporter: Exporter) -> list[Job]:
    return [export_job(settings, exporter)] if settings.export_dir else []
