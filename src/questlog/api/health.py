"""GET /api/v1/health: no auth; 200 when the store answers, 503 when it does not."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from questlog.api.deps import QuestlogDep
from questlog.api.envelope import (
    RETRY_AFTER_SECONDS,
    EnvelopeResponse,
    ErrorEnvelope,
    error,
    ok,
)
from questlog.api.query import StrictQueryRoute

router = APIRouter(prefix="/api/v1", tags=["health"], route_class=StrictQueryRoute)


@router.get(
    "/health", summary="Liveness, and which store answers: local, memory or mongodb",
    responses={503: {"model": ErrorEnvelope, "description": "the store is not answering"}},
)
async def health(questlog: QuestlogDep) -> EnvelopeResponse:
    if not await questlog.store.ping():
        return error(503, "store_unavailable", f"the {questlog.store.kind} store is not answering",
                     headers={"Retry-After": RETRY_AFTER_SECONDS})
    return ok({
        "status": "ok",
        "store": questlog.store.kind,
        "persistent": questlog.store.persistent,
        "bus": asdict(questlog.bus.stats),
        "best_effort": asdict(questlog.best_effort.stats),
    })
