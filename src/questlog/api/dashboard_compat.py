"""Seed 004's own dashboard and admin routes, for its existing Streamlit dashboards:
`/dashboard/company?t=`, `/dashboard/summary?t=`, `/dashboard/timeseries?t=&bucket=` and
`POST /admin/seed_company` with `X-ADMIN-KEY`, answering in that seed's flat shapes
(no envelope) what the /api/v1/dashboard routes answer."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from questlog.access.dashboard import BelowThreshold, Bucket
from questlog.access.schemas import CompanyIn
from questlog.api.auth import Principal
from questlog.api.body import body_doc
from questlog.api.credentials import key_principal
from questlog.api.dashboard import CompanyDep, FromParam, period_of, withheld
from questlog.api.deps import QuestlogDep, body_of
from questlog.api.envelope import ApiError
from questlog.api.query import StrictQueryRoute

router = APIRouter(tags=["seed 004 compatibility"], route_class=StrictQueryRoute)


def _flat(content: Any) -> JSONResponse:
    return JSONResponse(content)


@router.get("/dashboard/company", summary="Seed 004: company info and player count")
async def company(questlog: QuestlogDep, company_id: CompanyDep) -> JSONResponse:
    info = await questlog.access.dashboards().company(company_id)
    return _flat({"company_id": info["company_id"], "n_players": info["players"],
                  "min_company_n": info["min_company_n"], "status": info["status"]})


@router.get("/dashboard/summary", summary="Seed 004: company aggregate metrics")
async def summary(questlog: QuestlogDep, company_id: CompanyDep, from_: FromParam = None,
                  to: date | None = None) -> JSONResponse:
    try:
        data = await questlog.access.dashboards().summary(
            company_id, period_of(questlog, from_, to))
    except BelowThreshold as exc:
        raise withheld(exc) from None
    return _flat(_seed_figures(data) | {"company_id": company_id, "n_players": data["players"],
                                        "event_counts": data["event_counts"]})


@router.get("/dashboard/timeseries", summary="Seed 004: time-bucketed company metrics")
async def timeseries(questlog: QuestlogDep, company_id: CompanyDep, bucket: Bucket = "day",
                     from_: FromParam = None, to: date | None = None) -> JSONResponse:
    try:
        data = await questlog.access.dashboards().timeseries(
            company_id, period_of(questlog, from_, to), bucket)
    except BelowThreshold as exc:
        raise withheld(exc) from None
    points = [_seed_figures(p) | {"bucket_start": p["period_start"], "n_players": p["players"]}
              for p in data["series"]]
    return _flat({"company_id": company_id, "bucket": bucket, "points": points})


async def seed_admin(
    questlog: QuestlogDep, x_admin_key: Annotated[str | None, Header()] = None
) -> Principal:
    """Seed 004's admin credential: an API key with the admin scope, as X-ADMIN-KEY."""
    principal = await key_principal(x_admin_key or "", questlog)
    if principal is None or not principal.has("admin"):
        raise ApiError(403, "forbidden", "X-ADMIN-KEY must be an API key with the admin scope")
    return principal


SeedCompanyBody = Annotated[CompanyIn, Depends(
    body_of(CompanyIn, guard=seed_admin, max_bytes=lambda s: s.max_small_body_bytes)
)]


@router.post("/admin/seed_company", summary="Seed 004: register a company (X-ADMIN-KEY: an "
             "admin key)", openapi_extra=body_doc(CompanyIn))
async def seed_company(questlog: QuestlogDep, body: SeedCompanyBody) -> JSONResponse:
    issued = await questlog.access.companies.register(body.company_name)
    return _flat({"company_id": issued.company_id, "company_name": issued.company_name,
                  "dashboard_token": issued.token})


def _seed_figures(data: dict[str, Any]) -> dict[str, Any]:
    return {"n_sessions": data["sessions"], "mean_fta_level": data["mean_fta_level"],
            "mean_repetition_burden": data["mean_repetition_burden"],
            "earth_score_distribution": data["earth_score_distribution"]}
