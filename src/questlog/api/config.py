"""GET /api/v1/config: what clients apply, the sampling policy first (any ingest key)."""

from __future__ import annotations

from fastapi import APIRouter

from questlog.api.deps import IngestDep, QuestlogDep
from questlog.api.envelope import EnvelopeResponse, ok
from questlog.api.query import StrictQueryRoute

router = APIRouter(prefix="/api/v1", tags=["config"], route_class=StrictQueryRoute)
REFRESH_SECONDS = 300


@router.get("/config", summary="The sampling policy clients apply, and its version")
async def get_config(questlog: QuestlogDep, _: IngestDep) -> EnvelopeResponse:
    hooks = questlog.ops.hooks
    policy = hooks.served_policy()
    rates, priorities = policy.per_type()
    return ok({
        "version": policy.digest(),
        "sampling": policy.model_dump(mode="json"),
        # By type alone, as the TypeScript client reads them (clients/typescript/src/config.ts).
        "sample_rates": rates, "priorities": priorities,
        "load_high": policy is not hooks.policy,
        "refresh_seconds": REFRESH_SECONDS,
    })
