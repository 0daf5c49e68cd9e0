"""Routes of data-subject requests: erase a player, export what Questlog holds about them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import StreamingResponse

from questlog.api.deps import AdminDep, QuestlogDep
from questlog.api.envelope import EnvelopeResponse, ok
from questlog.api.query import StrictQueryRoute

router = APIRouter(prefix="/api/v1/players", tags=["players"], route_class=StrictQueryRoute)

UserIdPath = Annotated[str, Path(min_length=1, max_length=128)]
NDJSON: dict[int | str, dict[str, Any]] = {200: {
    "content": {"application/x-ndjson": {}},
    "description": "One JSON object per line; the first says what follows.",
}}


@router.delete("/{user_id}", summary="Erase everything of this player; answers the receipt "
               "(admin, idempotent)")
async def erase_player(questlog: QuestlogDep, _: AdminDep, user_id: UserIdPath) -> EnvelopeResponse:
    receipt = await questlog.access.erasing().erase(questlog.access.player_id(user_id))
    return ok(receipt)


@router.get("/{user_id}/export", summary="Everything Questlog holds about this player, as "
            "NDJSON (admin)", response_class=StreamingResponse, responses=NDJSON)
async def export_player(
    questlog: QuestlogDep, _: AdminDep, user_id: UserIdPath
) -> StreamingResponse:
    lines = questlog.access.erasing().export(questlog.access.player_id(user_id))
    return StreamingResponse(lines, media_type="application/x-ndjson")
