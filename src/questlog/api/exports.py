"""Data out (admin): raw events streamed as NDJSON or CSV, and the export's status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import StringConstraints

from questlog.api.deps import AdminDep, QuestlogDep
from questlog.api.envelope import ApiError, EnvelopeResponse, ok
from questlog.api.query import StrictQueryRoute
from questlog.events.registry import CATALOGS
from questlog.ops.export.columns import catalog_columns, catalog_of
from questlog.ops.export.files import csv_text, ndjson_lines
from questlog.ops.export.plan import BadExport, ExportRequest

router = APIRouter(prefix="/api/v1", tags=["export"], route_class=StrictQueryRoute)
CHUNK_ROWS = 500


EventTypeName = Annotated[str, StringConstraints(min_length=1, max_length=128)]


@router.get("/exports/status", summary="The export: enabled, exported until, last run (admin)")
async def export_status(questlog: QuestlogDep, _: AdminDep) -> EnvelopeResponse:
    settings = questlog.settings
    status = await questlog.ops.exporter.status()
    return ok({
        "enabled": settings.export_dir is not None,
        "export_dir": settings.export_dir,
        "retention_days": settings.export_retention_days,
        **status,
    })


@router.get(
    "/events/export", summary="Raw events of a range of days, streamed as NDJSON or CSV (admin)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}},
                     "description": "One event per line, oldest first"}},
)
async def export_events(
    questlog: QuestlogDep,
    _: AdminDep,
    from_: Annotated[date, Query(alias="from", description="first event day")],
    to: Annotated[date, Query(description="last event day, included")],
    type: Annotated[list[EventTypeName] | None, Query(max_length=100)] = None,
    format: Literal["ndjson", "csv"] = "ndjson",
) -> StreamingResponse:
    types = frozenset(type) if type else None
    request = ExportRequest(out="-", first=from_, last=to, types=types)
    exporter = questlog.ops.exporter
    try:
        await exporter.count(request)  # checks the range before the first byte is sent
    except BadExport as exc:
        raise ApiError(422, "invalid_range", str(exc)) from exc

    async def lines() -> AsyncIterator[bytes]:
        columns = csv_columns(types)
        chunk = []
        first = True
        async for row in exporter.rows(request):
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                yield render(chunk, format, columns, header=first)
                chunk, first = [], False
        if chunk or (first and format == "csv"):
            yield render(chunk, format, columns, header=first)

    media = "application/x-ndjson" if format == "ndjson" else "text/csv"
    name = f"events-{from_}-{to}.{format}"
    return StreamingResponse(
        lines(), media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def csv_columns(types: frozenset[str] | None) -> list[str]:
    """Every column the catalogs of `types` (or all catalogs) have, in order, once."""
    catalogs = sorted({catalog_of(t) for t in types}) if types else list(CATALOGS)
    columns: dict[str, None] = {}
    for catalog in catalogs:
        columns.update((name, None) for name in catalog_columns(catalog, types).names)
    return list(columns)


def render(rows: list[dict[str, object]], file_format: str, columns: list[str], *,
           header: bool) -> bytes:
    if file_format == "ndjson":
        return ndjson_lines(rows).encode()
    return csv_text(rows, columns, header=header).encode()
