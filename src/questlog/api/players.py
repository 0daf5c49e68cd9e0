"""Routes of players: issuing the token a player reads their own achievements with."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path

from questlog.achievements.schemas import TokenOut
from questlog.api.deps import AdminDep, QuestlogDep
from questlog.api.envelope import EnvelopeResponse, ok
from questlog.api.query import StrictQueryRoute

router = APIRouter(prefix="/api/v1/players", tags=["players"], route_class=StrictQueryRoute)


@router.post("/{user_id}/token", summary="A token reading this player's achievements only (admin)")
async def issue_token(
    questlog: QuestlogDep, _: AdminDep,
    user_id: Annotated[str, Path(min_length=1, max_length=128)],
) -> EnvelopeResponse:
    issued = questlog.achievements.tokens.issue(user_id, now=datetime.now(UTC))
    return ok(TokenOut(token=issued.token, expires_at=issued.expires_at).model_dump(mode="json"))
