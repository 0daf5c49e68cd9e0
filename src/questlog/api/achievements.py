"""Routes of achievements: definitions with progress, focused progress, redeem, stats, lag."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from questlog.achievements.schemas import (
    AchievementOut,
    LagOut,
    ProgressOut,
    RedeemIn,
    RedemptionOut,
    StatsOut,
)
from questlog.achievements.service import (
    AchievementError,
    AlreadyRedeemed,
    NoReward,
    NotUnlocked,
    UnknownAchievement,
    UnknownCategory,
)
from questlog.api.body import body_doc
from questlog.api.deps import (
    PLAYER_ADMIN,
    PlayerAdminDep,
    PlayerReadDep,
    QuestlogDep,
    ReadDep,
    body_of,
    player_of,
)
from questlog.api.envelope import (
    BODY_RESPONSES,
    ApiError,
    EnvelopeResponse,
    ErrorEnvelope,
    ok,
)
from questlog.api.params import IdsParam
from questlog.api.query import StrictQueryRoute

router = APIRouter(
    prefix="/api/v1/achievements", tags=["achievements"], route_class=StrictQueryRoute
)

UserIdParam = Annotated[str | None, Query(min_length=1, max_length=128)]
ProgressUserParam = Annotated[str | None, Query(
    min_length=1, max_length=128,
    description="Required with an API key (422 invalid_query without it); with a player "
                "token it may be left out, and if given must be the token's own player (403).",
)]
AchievementIdParam = Annotated[str | None, Query(min_length=1, max_length=64)]
CategoryParam = Annotated[str | None, Query(min_length=1, max_length=64)]

ERRORS: dict[type[AchievementError], tuple[int, str]] = {
    UnknownAchievement: (404, "not_found"),
    UnknownCategory: (422, "invalid_query"),
    NoReward: (422, "no_reward"),
    NotUnlocked: (422, "not_unlocked"),
    AlreadyRedeemed: (409, "already_redeemed"),
}


NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorEnvelope, "description": "No such achievement, or hidden and locked"},
}
REDEEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND, **BODY_RESPONSES,
    409: {"model": ErrorEnvelope, "description": "Already redeemed"},
}


def refused(exc: AchievementError) -> ApiError:
    status, code = ERRORS[type(exc)]
    return ApiError(status, code, str(exc))


@router.get(
    "", summary="Achievement definitions, by category or ids; with user_id, each with that "
                "player's progress",
    responses=NOT_FOUND,
)
async def list_achievements(
    questlog: QuestlogDep, principal: PlayerReadDep, user_id: UserIdParam = None,
    category: CategoryParam = None, ids: IdsParam = None,
) -> EnvelopeResponse:
    try:
        listed = await questlog.achievements.service.listing(
            user_id=player_of(principal, user_id), ids=ids, category=category
        )
    except AchievementError as exc:
        raise refused(exc) from None
    return ok([AchievementOut.of(item).model_dump(mode="json") for item in listed])


@router.get(
    "/progress", responses=NOT_FOUND,
    summary="A player's progress in one achievement (achievement_id: data is an object) "
            "or several (achievement_ids: a list, in the order asked)",
)
async def get_progress(
    questlog: QuestlogDep, principal: PlayerReadDep,
    achievement_id: AchievementIdParam = None, achievement_ids: IdsParam = None,
    user_id: ProgressUserParam = None,
) -> EnvelopeResponse:
    player = player_of(principal, user_id)
    if player is None:
        raise ApiError(422, "invalid_query", "user_id: required with an API key")
    if (achievement_id is None) == (achievement_ids is None):
        raise ApiError(422, "invalid_query", "give achievement_id (one achievement) or "
                                             "achievement_ids (several), one of the two")
    wanted = [achievement_id] if achievement_id is not None else achievement_ids or []
    try:
        views = await questlog.achievements.service.progress_of(
            user_id=player, achievement_ids=wanted
        )
    except AchievementError as exc:
        raise refused(exc) from None
    out = [ProgressOut.of(view).model_dump(mode="json") for view in views]
    return ok(out if achievement_ids is not None else out[0])


RedeemBody = Annotated[RedeemIn, Depends(
    body_of(RedeemIn, guard=PLAYER_ADMIN, max_bytes=lambda s: s.max_small_body_bytes)
)]


@router.post(
    "/redeem", summary="Redeem an unlocked achievement's reward, once per unlock",
    openapi_extra=body_doc(RedeemIn), responses=REDEEM_RESPONSES,
)
async def redeem(
    questlog: QuestlogDep, principal: PlayerAdminDep, body: RedeemBody
) -> EnvelopeResponse:
    player = player_of(principal, body.user_id)
    if player is None:  # an API key names the player; a token is its own player
        raise ApiError(422, "invalid_body", "user_id: required with an API key",
                       [{"field": "user_id", "message": "required with an API key",
                         "kind": "missing"}])
    try:
        redemption = await questlog.achievements.service.redeem(
            user_id=player, achievement_id=body.achievement_id
        )
    except AchievementError as exc:
        raise refused(exc) from None
    return ok(RedemptionOut.of(redemption).model_dump(mode="json"))


@router.get("/stats", summary="Share of the active players who unlocked each achievement")
async def unlock_stats(
    questlog: QuestlogDep, _: ReadDep, days: Annotated[int, Query(ge=1, le=365)] = 30
) -> EnvelopeResponse:
    stats = await questlog.achievements.service.stats(days=days)
    return ok(StatsOut.of(stats).model_dump(mode="json"))


@router.get("/status", summary="Evaluation lag: stored events not yet evaluated")
async def evaluation_status(questlog: QuestlogDep, _: ReadDep) -> EnvelopeResponse:
    lag = await questlog.achievements.evaluator.lag()
    return ok(LagOut.of(lag).model_dump(mode="json"))
