"""Routes of the company registry (seed 004): register, list, reissue a dashboard token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from questlog.access.companies import Issued
from questlog.access.schemas import CompanyIn, CompanyTokenOut
from questlog.api.body import body_doc
from questlog.api.deps import ADMIN, AdminDep, QuestlogDep, body_of
from questlog.api.envelope import (
    BODY_RESPONSES,
    ApiError,
    EnvelopeResponse,
    ErrorEnvelope,
    ok,
)
from questlog.api.query import StrictQueryRoute

router = APIRouter(prefix="/api/v1/companies", tags=["companies"], route_class=StrictQueryRoute)
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorEnvelope, "description": "No such registered company"}}


def issued(value: Issued) -> dict[str, object]:
    return CompanyTokenOut(company_id=value.company_id, company_name=value.company_name,
                           dashboard_token=value.token).model_dump()


CompanyBody = Annotated[CompanyIn, Depends(
    body_of(CompanyIn, guard=ADMIN, max_bytes=lambda s: s.max_small_body_bytes)
)]


@router.post("", status_code=201, summary="Register a company; answers its dashboard token "
             "(admin)", responses=BODY_RESPONSES, openapi_extra=body_doc(CompanyIn))
async def register_company(
    questlog: QuestlogDep, _: AdminDep, body: CompanyBody
) -> EnvelopeResponse:
    return ok(issued(await questlog.access.companies.register(body.company_name)), status=201)


@router.get("", summary="The registered companies (admin)")
async def list_companies(questlog: QuestlogDep, _: AdminDep) -> EnvelopeResponse:
    return ok(await questlog.access.companies.listed())


@router.post("/{company_id}/token", summary="A new dashboard token; the old one is revoked "
             "(admin)", responses=NOT_FOUND)
async def reissue_token(
    questlog: QuestlogDep, _: AdminDep,
    company_id: Annotated[str, Path(min_length=1, max_length=128)],
) -> EnvelopeResponse:
    try:
        return ok(issued(await questlog.access.companies.issue_token(company_id)))
    except KeyError:
        raise ApiError(404, "not_found", f"no registered company {company_id[:64]!r}") from None
