"""POST /api/v1/events/rejected/replay (admin): store the quarantined events that pass now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from questlog.api.body import body_doc
from questlog.api.deps import ADMIN, AdminDep, QuestlogDep, body_of
from questlog.api.envelope import BODY_RESPONSES, ApiError, EnvelopeResponse, ok
from questlog.api.query import StrictQueryRoute
from questlog.ops.replay import BadFilter, ReplayFilter
from questlog.ops.wiring import replayer_of

router = APIRouter(prefix="/api/v1/events/rejected", tags=["events"],
                   route_class=StrictQueryRoute)


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    codes: list[str] | None = Field(default=None, description="only rejections of these codes")
    start: datetime | None = Field(default=None, alias="from",
                                   description="received at or after")
    end: datetime | None = Field(default=None, alias="to", description="received before")
    ids: list[str] | None = Field(default=None, max_length=10_000,
                                  description="quarantine record ids (GET .../rejected)")


# No body (every quarantined event) or a filter: read once the admin key is checked; an
# id list may be long, hence the event routes' limit.
ReplayBody = Annotated[ReplayIn, Depends(
    body_of(ReplayIn, guard=ADMIN, max_bytes=lambda s: s.max_body_bytes, optional=True)
)]


@router.post(
    "/replay", summary="Validate quarantined events again and store those that pass (admin)",
    responses=BODY_RESPONSES, openapi_extra=body_doc(ReplayIn, required=False),
)
async def replay_rejected(questlog: QuestlogDep, _: AdminDep, body: ReplayBody) -> EnvelopeResponse:
    where = ReplayFilter(
        codes=frozenset(body.codes) if body.codes else None, start=body.start, end=body.end,
        ids=frozenset(body.ids) if body.ids is not None else None,
    )
    try:
        report = await replayer_of(questlog).replay(where)
    except BadFilter as exc:
        raise ApiError(422, "invalid_body", str(exc)) from exc
    return ok(report.public())
