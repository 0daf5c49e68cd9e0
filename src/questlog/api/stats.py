"""GET /api/v1/stats: daily and weekly aggregates of one event type, for designers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from questlog.api.deps import QuestlogDep, ReadDep
from questlog.api.envelope import ApiError, ok
from questlog.api.query import StrictQueryRoute
from questlog.events import EVENT_TYPES
from questlog.ops.export.tables import items_csv
from questlog.sessions.stats import SESSION_TYPE
from questlog.stats.buckets import Scope
from questlog.stats.periods import Period, Rejected
from questlog.stats.reads import (
    FIRST_DAY,
    LAST_DAY,
    MAX_READ_DAYS,
    WithheldForPrivacy,
    stats_query,
)

router = APIRouter(prefix="/api/v1", tags=["stats"], route_class=StrictQueryRoute)

# As the route enforces them (stats.reads.stats_query), for the OpenAPI document.
TypeParam = Annotated[str, Query(
    min_length=1, max_length=128,
    description="An event type, or `session` for the closed sessions' statistics "
                "(422 unknown_event_type for another).",
    json_schema_extra={"enum": sorted({*EVENT_TYPES, SESSION_TYPE})},
)]
CompanyParam = Annotated[str | None, Query(
    min_length=1, max_length=128,
    description="Required with scope=company, and only with it (422 invalid_query).",
)]
UserParam = Annotated[str | None, Query(
    min_length=1, max_length=128,
    description="Required with scope=user, and only with it (422 invalid_query).",
)]
RANGE = (f"Days from {FIRST_DAY} to {LAST_DAY} (422 invalid_range); from..to spans at most "
         f"{MAX_READ_DAYS} days (422 range_too_long) and from is not after to.")


CSV_OR_JSON: dict[int | str, dict[str, Any]] = {200: {
    "description": "The envelope, or with format=csv one row per period",
    "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}},
}}


@router.get("/stats", summary="Daily or weekly aggregates of one event type (or type=session)",
            responses=CSV_OR_JSON)
async def get_stats(
    questlog: QuestlogDep,
    _: ReadDep,
    type: TypeParam,
    scope: Scope = "global",
    company_id: CompanyParam = None,
    user_id: UserParam = None,
    period: Period = "daily",
    from_: Annotated[date | None, Query(alias="from", description=RANGE)] = None,
    to: Annotated[date | None, Query(description=f"Default today. {RANGE}")] = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    try:
        query = stats_query(
            event_type=type, scope=scope, company_id=company_id, user_id=user_id,
            period=period, first=from_, last=to, today=questlog.stats.today(),
            extra_types=frozenset({SESSION_TYPE}),
        )
        if query.event_type == SESSION_TYPE:  # computed from the sessions collection
            items, meta = await questlog.sessions.read_stats(query, questlog.stats)
        else:
            items, meta = await questlog.stats.read(query)
    except Rejected as exc:
        raise ApiError(422, exc.code, str(exc)) from exc
    except WithheldForPrivacy as exc:
        raise ApiError(403, "below_privacy_threshold", str(exc)) from exc
    if format == "csv":  # one row per period, nested figures as dotted columns
        return Response(items_csv(items), media_type="text/csv")
    return ok(items, meta)
