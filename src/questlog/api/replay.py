"""POST /api/v1/events/rejected/replay (admin): store the quarantined events that pass now."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from questlog.api.deps import AdminDep, QuestlogDep
from questlog.api.envelope import NOT_JSON_RESPONSES, ApiError, EnvelopeResponse, ok
from questlog.ops.replay import BadFilter, ReplayFilter
from questlog.ops.wiring import replayer_of

router = APIRouter(prefix="/api/v1/events/rejected", tags=["events"])


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    codes: list[str] | None = Field(default=None, description="only rejections of these codes")
    start: datetime | None = Field(default=None, alias="from",
                                   description="received at or after")
    end: datetime | None = Field(default=None, alias="to", description="received before")
    ids: list[str] | None = Field(default=None, max_length=10_000,
                                  description="quarantine record ids (GET .../rejected)")


@router.post(
    "/replay", summary="Validate quarantined events again and store those that pass (admin)",
    responses=NOT_JSON_RESPONSES,
)
async def replay_rejected(
    questlog: QuestlogDep, _: AdminDep, body: ReplayIn | None = None
) -> EnvelopeResponse:
    body = body or ReplayIn()
    where = ReplayFilter(
        codes=frozenset(body.codes) if body.codes else None, start=body.start, end=body.end,
        ids=frozenset(body.ids) if body.ids is not None else None,
    )
    try:
        report = await replayer_of(questlog).replay(where)
    except BadFilter as exc:
        raise ApiError(422, "invalid_body", str(exc)) from exc
    return ok(report.public())
