"""The rollup jobs by hand (admin): recompute a range now, and the record of past runs."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from questlog.api.deps import AdminDep, QuestlogDep
from questlog.api.envelope import ApiError, EnvelopeResponse, ok
from questlog.api.events import PageParam, PageSizeParam
from questlog.api.params import page_of
from questlog.stats.periods import Rejected

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


class RollupIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    first: date = Field(alias="from")
    last: date = Field(alias="to")


@router.post("/rollup", summary="Recompute the days from..to and their weeks now (admin)")
async def post_rollup(request: Request, questlog: QuestlogDep, _: AdminDep) -> EnvelopeResponse:
    try:
        body = RollupIn.model_validate_json(await request.body())
    except ValidationError as exc:
        details = [
            {"field": ".".join(map(str, e["loc"])) or "body", "message": e["msg"],
             "kind": e["type"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        message = "; ".join(f"{d['field']}: {d['message']}" for d in details[:3])
        raise ApiError(422, "invalid_rollup_request", message, details) from exc
    try:
        run = await questlog.stats.recompute_range(body.first, body.last, source="api")
    except Rejected as exc:
        raise ApiError(422, exc.code, str(exc)) from exc
    if run.errors:
        raise ApiError(503, "rollup_failed", "; ".join(run.errors[:3]), [run.public()])
    return ok(run.public())


@router.get("/runs", summary="Rollup runs, newest first (admin)")
async def list_runs(
    questlog: QuestlogDep, _: AdminDep, job: str | None = None, page: PageParam = 1,
    page_size: PageSizeParam = 50,
) -> EnvelopeResponse:
    runs, total = await questlog.stats.runs.page(job=job, page=page_of(page, page_size))
    return ok([r.public() for r in runs], {"page": page, "page_size": page_size, "total": total})
