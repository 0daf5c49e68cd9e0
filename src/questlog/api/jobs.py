"""The rollup jobs by hand (admin): recompute a range now, and the record of past runs."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from questlog.api.body import body_doc
from questlog.api.deps import ADMIN, AdminDep, QuestlogDep, body_of
from questlog.api.envelope import BODY_RESPONSES, ApiError, EnvelopeResponse, ErrorEnvelope, ok
from questlog.api.params import page_meta, paging
from questlog.api.query import StrictQueryRoute
from questlog.stats.periods import Rejected
from questlog.store.queries import Page

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], route_class=StrictQueryRoute)


class RollupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first: date = Field(alias="from", description="first day, in the bucket time zone")
    last: date = Field(alias="to", description="last day, included")


RollupBody = Annotated[RollupIn, Depends(
    body_of(RollupIn, guard=ADMIN, max_bytes=lambda s: s.max_small_body_bytes)
)]


@router.post(
    "/rollup", summary="Recompute the days from..to and their weeks now (admin)",
    openapi_extra=body_doc(RollupIn),
    responses={
        **BODY_RESPONSES,
        503: {"model": ErrorEnvelope, "description": "Some period failed; see details"},
    },
)
async def post_rollup(questlog: QuestlogDep, _: AdminDep, body: RollupBody) -> EnvelopeResponse:
    try:
        run = await questlog.stats.recompute_range(body.first, body.last, source="api")
    except Rejected as exc:
        raise ApiError(422, exc.code, str(exc)) from exc
    if run.errors:
        raise ApiError(503, "rollup_failed", "; ".join(run.errors[:3]), [run.public()])
    return ok(run.public())


@router.get("/runs", summary="Rollup runs, newest first (admin)")
async def list_runs(
    questlog: QuestlogDep, _: AdminDep, page: Annotated[Page, Depends(paging(50))],
    job: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> EnvelopeResponse:
    runs, found = await questlog.stats.runs.page(job=job, page=page)
    return ok([r.public() for r in runs], page_meta(page, found))
