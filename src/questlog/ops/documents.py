"""Beanie documents of operations: the export cursor and the record of export runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

import pymongo
from beanie import Document
from pydantic import Field

EXPORT_CURSORS = "export_cursors"
EXPORT_RUNS = "export_runs"
INGEST_COUNTERS = "ingest_counters"


class ExportCursor(Document):
    """Up to when raw events (by received_at) have been exported by `--since-last`."""

    id: str  # type: ignore[assignment]  # the cursor's name
    exported_until: datetime
    updated_at: datetime

    class Settings:
        name = EXPORT_CURSORS


class ExportRun(Document):
    source: Literal["schedule", "api", "cli"]
    status: Literal["ok", "failed"] = "ok"
    mode: Literal["range", "since_last"]
    format: str
    out: str
    started_at: datetime
    finished_at: datetime | None = None
    window: dict[str, Any] = Field(default_factory=dict)
    rows: int = 0
    files: int = 0
    bytes: int = 0
    manifest: str | None = None
    removed_partitions: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)

    class Settings:
        name = EXPORT_RUNS
        indexes: ClassVar = [pymongo.IndexModel([("started_at", -1)], name="time")]

    def public(self) -> dict[str, Any]:
        return {"id": str(self.id), **self.model_dump(exclude={"id"}, mode="json")}


class IngestCounter(Document):
    """Events the ingestion acknowledged as stored, per day of received_at (bucket time
    zone), kept by every process ($inc): what the data-quality job compares with."""

    id: str  # type: ignore[assignment]  # the day, YYYY-MM-DD
    accepted: int = 0

    class Settings:
        name = INGEST_COUNTERS


MODELS: list[type[Document]] = [ExportCursor, ExportRun, IngestCounter]
