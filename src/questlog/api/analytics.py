"""GET /api/v1/analytics/...: active players, sessions, retention, funnels, breakdowns."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from questlog.analytics.activity import Cohort
from questlog.analytics.breakdown import dimensions_of
from questlog.analytics.funnels import EXAMPLES, Funnel, parse_steps
from questlog.analytics.service import Range, analytics_range, checked_type
from questlog.api.deps import QuestlogDep, ReadDep
from questlog.api.envelope import ApiError, EnvelopeResponse, ok
from questlog.api.query import StrictQueryRoute
from questlog.bootstrap import Questlog
from questlog.events import EVENT_TYPES
from questlog.stats.periods import Rejected
from questlog.stats.reads import WithheldForPrivacy

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"], route_class=StrictQueryRoute)

FromParam = Annotated[date | None, Query(alias="from", description="first UTC day")]
ToParam = Annotated[date | None, Query(description="last UTC day, included; default today")]
CompanyParam = Annotated[str | None, Query(max_length=128,
                                            description="one company (privacy threshold)")]
TypeParam = Annotated[str, Query(max_length=64, description="an event type")]
FieldParam = Annotated[str, Query(max_length=64, description="one of the type's fields")]


def scope_of(questlog: Questlog, first: date | None, last: date | None,
             company_id: str | None) -> Range:
    try:
        return analytics_range(first=first, last=last, company_id=company_id,
                               today=questlog.analytics.today())
    except Rejected as exc:
        raise ApiError(422, exc.code, str(exc)) from exc


async def answer(result: Awaitable[tuple[Any, dict[str, Any]]]) -> EnvelopeResponse:
    try:
        data, meta = await result
    except Rejected as exc:
        raise ApiError(422, exc.code, str(exc)) from exc
    except WithheldForPrivacy as exc:
        raise ApiError(403, "below_privacy_threshold", str(exc)) from exc
    return ok(data, meta)


@router.get("/active", summary="DAU, WAU, MAU, new and returning players per UTC day")
async def get_active(questlog: QuestlogDep, _: ReadDep, from_: FromParam = None,
                     to: ToParam = None, company_id: CompanyParam = None) -> EnvelopeResponse:
    return await answer(questlog.analytics.active(scope_of(questlog, from_, to, company_id)))


@router.get("/sessions", summary="Sessions (by session_id), players and session length")
async def get_sessions(questlog: QuestlogDep, _: ReadDep, from_: FromParam = None,
                       to: ToParam = None, company_id: CompanyParam = None) -> EnvelopeResponse:
    return await answer(questlog.analytics.sessions(scope_of(questlog, from_, to, company_id)))


@router.get("/retention", summary="Retention cohorts (D1, D7, D30) by first day, week or month")
async def get_retention(questlog: QuestlogDep, _: ReadDep, cohort: Cohort = "day",
                        from_: FromParam = None, to: ToParam = None,
                        company_id: CompanyParam = None) -> EnvelopeResponse:
    scope = scope_of(questlog, from_, to, company_id)
    return await answer(questlog.analytics.retention(scope, cohort))


@router.get("/funnels", summary="The funnels shipped as examples")
async def get_funnels(_: ReadDep) -> EnvelopeResponse:
    return ok([funnel.public() for funnel in EXAMPLES])


@router.get("/funnel", summary="A funnel: step conversion and median time to convert")
async def get_funnel(
    questlog: QuestlogDep, _: ReadDep,
    steps: Annotated[str | None, Query(
        max_length=256, description="comma-separated steps, each TYPE or TYPE:FIELD=VALUE")] = None,
    name: Annotated[str | None, Query(
        max_length=64, description="a shipped funnel, e.g. onboarding")] = None,
    window_hours: Annotated[float, Query(gt=0, le=24 * 90)] = 24 * 7,
    from_: FromParam = None, to: ToParam = None, company_id: CompanyParam = None,
) -> EnvelopeResponse:
    scope = scope_of(questlog, from_, to, company_id)
    return await answer(questlog.analytics.funnel(scope, funnel_of(name, steps, window_hours)))


def funnel_of(name: str | None, steps: str | None, window_hours: float) -> Funnel:
    if (name is None) == (steps is None):
        raise ApiError(422, "invalid_funnel", "give either steps or the name of a shipped funnel")
    if name is not None:
        found = [f for f in EXAMPLES if f.name == name]
        if not found:
            raise ApiError(422, "invalid_funnel", f"no shipped funnel is named {name[:64]!r}")
        return found[0]
    try:
        parsed = parse_steps(steps or "")
    except Rejected as exc:
        raise ApiError(422, exc.code, str(exc)) from exc
    return Funnel(name="custom", steps=parsed, window=timedelta(hours=window_hours))


@router.get("/breakdown", summary="Events and players of one type by the values of a field")
async def get_breakdown(questlog: QuestlogDep, _: ReadDep, type: TypeParam, field: FieldParam,
                        from_: FromParam = None, to: ToParam = None,
                        company_id: CompanyParam = None) -> EnvelopeResponse:
    scope = scope_of(questlog, from_, to, company_id)
    return await answer(questlog.analytics.breakdown(scope, type, field))


@router.get("/companies", summary="Companies with events in the range, and their players")
async def get_companies(questlog: QuestlogDep, _: ReadDep, from_: FromParam = None,
                        to: ToParam = None) -> EnvelopeResponse:
    return await answer(questlog.analytics.companies(scope_of(questlog, from_, to, None)))


@router.get("/types", summary="The event types Questlog knows, by name")
async def get_types(_: ReadDep) -> EnvelopeResponse:
    return ok(sorted(EVENT_TYPES))


@router.get("/fields", summary="The fields of an event type a count can be broken down by")
async def get_fields(_: ReadDep, type: TypeParam) -> EnvelopeResponse:
    try:
        return ok(dimensions_of(checked_type(type)))
    except Rejected as exc:
        raise ApiError(422, exc.code, str(exc)) from exc
