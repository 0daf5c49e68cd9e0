"""GET /api/v1/stats: daily and weekly aggregates of one event type, for designers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from questlog.api.deps import QuestlogDep, ReadDep
from questlog.api.envelope import ApiError, ok
from questlog.ops.export.tables import items_csv
from questlog.stats.buckets import Scope
from questlog.stats.periods import Period, Rejected
from questlog.stats.reads import WithheldForPrivacy, stats_query

router = APIRouter(prefix="/api/v1", tags=["stats"])


@router.get("/stats", summary="Daily or weekly aggregates of one event type, oldest first")
async def get_stats(
    questlog: QuestlogDep,
    _: ReadDep,
    type: str,
    scope: Scope = "global",
    company_id: str | None = None,
    user_id: str | None = None,
    period: Period = "daily",
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    try:
        query = stats_query(
            event_type=type, scope=scope, company_id=company_id, user_id=user_id,
            period=period, first=from_, last=to, today=questlog.stats.today(),
        )
        items, meta = await questlog.stats.read(query)
    except Rejected as exc:
        raise ApiError(422, exc.code, str(exc)) from exc
    except WithheldForPrivacy as exc:
        raise ApiError(403, "below_privacy_threshold", str(exc)) from exc
    if format == "csv":  # one row per period, nested figures as dotted columns
        return Response(items_csv(items), media_type="text/csv")
    return ok(items, meta)
