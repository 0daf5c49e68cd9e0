"""`questlog bench export`: the export's rate, per format, over N synthetic events.

Loads N events into a scratch database of the configured store, exports their day in
each format to a temporary directory, prints rows/s and bytes, and drops the database.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from datetime import timedelta

from questlog.batching import chunked
from questlog.bench.report import Figure, rate
from questlog.bench.synthetic import synthetic_events
from questlog.cli.context import command_settings, running_questlog
from questlog.clock import utcnow
from questlog.ops.export.files import FORMATS
from questlog.ops.export.plan import ExportRequest


async def bench_export(events: int) -> tuple[str, list[Figure]]:
    database = f"questlog_bench_export_{uuid.uuid4().hex[:8]}"
    settings = command_settings(scheduler_enabled=False, database=database,
                                achievements_evaluator=False)
    figures: list[Figure] = []
    async with running_questlog(settings) as questlog:
        try:
            now = utcnow()
            for batch in chunked(synthetic_events(events, now=now), 1000):
                await questlog.ingestor.ingest(batch)
            day = questlog.stats.calendar.day_of(now)  # the events span the hour before now
            for file_format in FORMATS:
                with tempfile.TemporaryDirectory() as out:
                    request = ExportRequest(out=out, file_format=file_format,
                                            first=day - timedelta(days=1), last=day)
                    started = time.perf_counter()
                    result = await questlog.ops.exporter.export(request, source="cli")
                    seconds = time.perf_counter() - started
                run = result.run
                figures.append((f"{file_format} rows/s", rate(run.rows, seconds)))
                figures.append((f"{file_format} bytes/row",
                                f"{run.bytes / run.rows:,.0f}" if run.rows else "n/a"))
            store = questlog.store.kind
        finally:
            await questlog.store.client.drop_database(database)
    return f"bench export: {events} events, {store} store", figures
