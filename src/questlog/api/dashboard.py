"""A company's dashboard reads (seed 004), with its dashboard token as ?t= or a bearer token."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from questlog.access.dashboard import BelowThreshold, Bucket, Period
from questlog.api.deps import SCOPE_CHECKS, QuestlogDep
from questlog.api.envelope import ApiError, EnvelopeResponse, ok
from questlog.api.query import StrictQueryRoute

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"], route_class=StrictQueryRoute)


async def company_of(request: Request, questlog: QuestlogDep,
                     t: Annotated[str | None, Query(max_length=256)] = None) -> str:
    """The company a dashboard token reads: 401 without one, 403 unknown or revoked."""
    header = request.headers.get("authorization", "")
    scheme, _, bearer = header.partition(" ")
    token = t or (bearer.strip() if scheme.lower() == "bearer" else "")
    if not token:
        raise ApiError(401, "unauthorized", "send the dashboard token as ?t= or a bearer token")
    company_id = await questlog.access.companies.resolve(token)
    if company_id is None:
        raise ApiError(403, "forbidden", "unknown or revoked dashboard token")
    return company_id


SCOPE_CHECKS[company_of] = "a company dashboard token"
CompanyDep = Annotated[str, Depends(company_of)]
FromParam = Annotated[date | None, Query(alias="from")]


def period_of(questlog: QuestlogDep, first: date | None, last: date | None) -> Period:
    try:
        return questlog.access.dashboards().period(first, last)
    except ValueError as exc:
        raise ApiError(422, "invalid_range", str(exc)) from None


def withheld(exc: BelowThreshold) -> ApiError:
    return ApiError(403, "below_privacy_threshold", str(exc))


@router.get("/company", summary="The company, its player count and status (always answers)")
async def company(questlog: QuestlogDep, company_id: CompanyDep) -> EnvelopeResponse:
    return ok(await questlog.access.dashboards().company(company_id))


@router.get("/summary", summary="Players, sessions, FTA level, repetition burden, earth "
            "scores and event counts over a period")
async def summary(questlog: QuestlogDep, company_id: CompanyDep, from_: FromParam = None,
                  to: date | None = None) -> EnvelopeResponse:
    try:
        return ok(await questlog.access.dashboards().summary(
            company_id, period_of(questlog, from_, to)))
    except BelowThreshold as exc:
        raise withheld(exc) from None


@router.get("/timeseries", summary="The summary's figures per day or ISO week")
async def timeseries(questlog: QuestlogDep, company_id: CompanyDep, bucket: Bucket = "day",
                     from_: FromParam = None, to: date | None = None) -> EnvelopeResponse:
    try:
        return ok(await questlog.access.dashboards().timeseries(
            company_id, period_of(questlog, from_, to), bucket))
    except BelowThreshold as exc:
        raise withheld(exc) from None
