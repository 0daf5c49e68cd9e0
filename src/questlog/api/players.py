"""Routes of players: tokens (issue, revoke), opt-out and opt-in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path

from questlog.access.schemas import OptOutOut, PlayerTokenIn, PlayerTokenOut, RevokedOut
from questlog.api.auth import Principal
from questlog.api.body import body_doc
from questlog.api.deps import ADMIN, AdminDep, PlayerAdminDep, QuestlogDep, body_of, player_of
from questlog.api.envelope import BODY_RESPONSES, EnvelopeResponse, ok
from questlog.api.query import StrictQueryRoute
from questlog.bootstrap import Questlog

router = APIRouter(prefix="/api/v1/players", tags=["players"], route_class=StrictQueryRoute)

UserIdPath = Annotated[str, Path(min_length=1, max_length=128)]
# No body, or {"scopes": [...]}: read once the admin key is checked.
TokenBody = Annotated[PlayerTokenIn, Depends(body_of(
    PlayerTokenIn, guard=ADMIN, max_bytes=lambda s: s.max_small_body_bytes, optional=True
))]


@router.post("/{user_id}/token", summary="A token for this player's own data only (admin)",
             responses=BODY_RESPONSES, openapi_extra=body_doc(PlayerTokenIn, required=False))
async def issue_token(
    questlog: QuestlogDep, _: AdminDep, user_id: UserIdPath, body: TokenBody,
) -> EnvelopeResponse:
    scopes = frozenset(body.scopes)
    issued = questlog.achievements.tokens.issue(
        questlog.access.player_id(user_id), now=datetime.now(UTC), scopes=scopes
    )
    out = PlayerTokenOut(token=issued.token, expires_at=issued.expires_at, scopes=sorted(scopes))
    return ok(out.model_dump(mode="json"))


@router.delete("/{user_id}/tokens", summary="Revoke every token of this player issued so far "
               "(admin, or the player's own token)")
async def revoke_tokens(
    questlog: QuestlogDep, principal: PlayerAdminDep, user_id: UserIdPath
) -> EnvelopeResponse:
    player = _player(questlog, principal, user_id)
    at = await questlog.access.flags.revoke_tokens(player)
    return ok(RevokedOut(user_id=player, revoked_before=at).model_dump(mode="json"))


def _opting(opted_out: bool) -> Callable[..., Awaitable[EnvelopeResponse]]:
    async def set_opted_out(
        questlog: QuestlogDep, principal: PlayerAdminDep, user_id: UserIdPath
    ) -> EnvelopeResponse:
        player = _player(questlog, principal, user_id)
        state = await questlog.access.flags.set_opted_out(player, opted_out)
        return ok(OptOutOut.model_validate(state).model_dump())

    return set_opted_out


router.add_api_route("/{user_id}/opt-out", _opting(True), methods=["POST"], name="opt_out",
                     summary="Drop this player's events from now on "
                     "(admin, or the player's own token)")
router.add_api_route("/{user_id}/opt-in", _opting(False), methods=["POST"], name="opt_in",
                     summary="Store this player's events again (admin, or the player's own token)")


def _player(questlog: Questlog, principal: Principal, user_id: str) -> str:
    """The stored id of the path's player; a player token may name only its own."""
    player = player_of(principal, questlog.access.player_id(user_id))
    assert player is not None
    return player
