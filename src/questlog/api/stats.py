"""GET /api/v1/stats: daily and weekly aggregates of one event type, for designers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from questlog.api.deps import QuestlogDep, ReadDep
from questlog.api.envelope import ApiError, EnvelopeResponse, ok
from questlog.api.query import StrictQueryRoute
from questlog.sessions.stats import SESSION_TYPE
from questlog.stats.buckets import Scope
from questlog.stats.periods import Period, Rejected
from questlog.stats.reads import WithheldForPrivacy, stats_query

router = APIRouter(prefix="/api/v1", tags=["stats"], route_class=StrictQueryRoute)


@router.get("/stats", summary="Daily or weekly aggregates of one event type (or type=session)")
async def get_stats(
    questlog: QuestlogDep,
    _: ReadDep,
    type: Annotated[str, Query(min_length=1, max_length=128)],
    scope: Scope = "global",
    company_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    user_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    period: Period = "daily",
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> EnvelopeResponse:
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
    return ok(items, meta)
