"""The export: read raw events in order, write one file per day and catalog, a manifest,
and (for --since-last) move the cursor once everything is written.

Rows stream from a MongoDB cursor into one open file per partition; nothing holds more
than a row group per file. The files of a failed run are removed, its cursor not moved,
and the run recorded as failed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pyarrow import fs

from questlog.clock import utcnow
from questlog.ops.documents import ExportCursor, ExportRun
from questlog.ops.export.columns import as_utc, catalog_columns, catalog_of, to_row
from questlog.ops.export.files import FileStats, PartitionFile, filesystem_of
from questlog.ops.export.plan import (
    ExportRequest,
    Window,
    expired_partitions,
    file_name,
    partition_dir,
    window_of,
)
from questlog.stats.periods import Calendar
from questlog.stats.runs import Source
from questlog.store.types import MotorCollection

log = logging.getLogger(__name__)

CURSOR = "events"
Progress = Callable[[int], object]  # told how many more rows were written
READ_BATCH = 2_000


@dataclass
class ExportResult:
    run: ExportRun
    files: list[dict[str, Any]] = field(default_factory=list)


class Exporter:
    def __init__(
        self, *, events: MotorCollection, calendar: Calendar,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._events, self._calendar, self._clock = events, calendar, clock

    async def count(self, request: ExportRequest) -> int:
        window = await self._window(request)
        return int(await self._events.count_documents(window.query))

    async def rows(self, request: ExportRequest) -> AsyncIterator[dict[str, Any]]:
        """The request's rows in order, one catalog's columns each (for the HTTP export)."""
        window = await self._window(request)
        only = request.types
        async for document in self._read(window):
            schema = catalog_columns(catalog_of(document["type"]), only)
            yield to_row(document, schema)

    async def export(
        self, request: ExportRequest, *, source: Source, progress: Progress | None = None
    ) -> ExportResult:
        run = ExportRun(
            source=source, mode="since_last" if request.since_last else "range",
            format=request.file_format, out=request.out, started_at=self._clock(),
        )
        result = ExportResult(run)
        window = await self._window(request)
        run.window = window.public()
        try:
            await self._write(request, window, result, progress)
            if request.since_last and window.received_until is not None:
                await self._move_cursor(window.received_until)
        except Exception as exc:
            run.errors.append(f"{type(exc).__name__}: {exc}")
            log.exception("export to %s failed", request.out)
        finally:
            run.finished_at = self._clock()
            run.status = "failed" if run.errors else "ok"
            stored = await ExportRun.get_motor_collection().insert_one(
                run.model_dump(exclude={"id"})
            )
            run.id = stored.inserted_id
        return result

    async def remove_expired(self, out: str, *, keep_days: int) -> list[str]:
        """Delete the day partitions under `out` older than `keep_days`."""
        filesystem, base = filesystem_of(out)
        try:
            entries = filesystem.get_file_info(fs.FileSelector(base, allow_not_found=True))
        except FileNotFoundError:
            return []
        names = [e.base_name for e in entries if e.type == fs.FileType.Directory]
        expired = expired_partitions(
            names, today=self._calendar.day_of(self._clock()), keep_days=keep_days
        )
        for name in expired:
            filesystem.delete_dir(f"{base}/{name}")
        return expired

    async def status(self) -> dict[str, Any]:
        cursor = await self._cursor()
        runs = ExportRun.get_motor_collection()
        last = await runs.find_one({}, sort=[("started_at", -1)])
        succeeded = await runs.find_one({"status": "ok"}, sort=[("started_at", -1)])
        return {
            "last_exported_received_at": (
                as_utc(cursor.exported_until).isoformat() if cursor else None
            ),
            "last_run": ExportRun.model_validate(last).public() if last else None,
            "last_success": ExportRun.model_validate(succeeded).public() if succeeded else None,
        }

    async def _window(self, request: ExportRequest) -> Window:
        cursor = await self._cursor() if request.since_last else None
        return window_of(
            request, calendar=self._calendar, now=self._clock(),
            exported_until=cursor.exported_until if cursor else None,
        )

    async def _cursor(self) -> ExportCursor | None:
        found = await ExportCursor.get_motor_collection().find_one({"_id": CURSOR})
        return ExportCursor.model_validate(found) if found else None

    async def _read(self, window: Window) -> AsyncIterator[dict[str, Any]]:
        cursor = self._events.find(window.query).sort(window.sort).batch_size(READ_BATCH)
        async for document in cursor:
            yield document

    async def _write(
        self, request: ExportRequest, window: Window, result: ExportResult,
        progress: Progress | None,
    ) -> None:
        filesystem, base = filesystem_of(request.out)
        label = run_label(request, window)
        open_files: dict[tuple[date, str], PartitionFile] = {}
        try:
            async for document in self._read(window):
                catalog = catalog_of(document["type"])
                day = self._calendar.day_of(as_utc(document["event_time"]))
                partition = open_files.get((day, catalog))
                if partition is None:
                    name = file_name(label, request.file_format)
                    path = f"{base}/{partition_dir(day, catalog)}/{name}"
                    partition = PartitionFile(
                        filesystem, path, catalog_columns(catalog, request.types),
                        request.file_format,
                    )
                    open_files[(day, catalog)] = partition
                partition.write(to_row(document, catalog_columns(catalog, request.types)))
                if progress is not None:
                    progress(1)
        except BaseException:
            for partition in open_files.values():
                partition.abort()
            raise
        written: list[FileStats] = [p.close() for p in open_files.values()]
        result.files = [s.public(s.path.removeprefix(f"{base}/")) for s in written]
        run = result.run
        run.rows, run.files = sum(s.rows for s in written), len(written)
        run.bytes = sum(s.bytes for s in written)
        manifest = {
            "run": label, "format": request.file_format, "window": run.window,
            "rows": run.rows, "bytes": run.bytes, "files": result.files,
            "written_at": self._clock().isoformat(),
        }
        run.manifest = f"_manifest-{label}.json"
        filesystem.create_dir(base, recursive=True)
        with filesystem.open_output_stream(f"{base}/{run.manifest}") as stream:
            stream.write(json.dumps(manifest, indent=2).encode())

    async def _move_cursor(self, until: datetime) -> None:
        await ExportCursor.get_motor_collection().update_one(
            {"_id": CURSOR},
            {"$set": {"exported_until": until, "updated_at": self._clock()}}, upsert=True,
        )


def run_label(request: ExportRequest, window: Window) -> str:
    """A range export's files are named by what they hold, so running it again replaces
    them; an incremental one's by the end of its window, so each adds its own."""
    if request.since_last and window.received_until is not None:
        return "upto-" + window.received_until.strftime("%Y%m%dT%H%M%SZ")
    return "all" if not request.types else "types-" + "-".join(sorted(request.types))
