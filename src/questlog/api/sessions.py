"""Routes of sessions: close (seed 004's finalize), a session's summary, a player's
sessions and model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from questlog.api.auth import Principal
from questlog.api.deps import IngestDep, PlayerReadDep, QuestlogDep, player_of
from questlog.api.envelope import ApiError, EnvelopeResponse, ErrorEnvelope, ok
from questlog.api.params import PageParam, PageSizeParam
from questlog.api.query import StrictQueryRoute
from questlog.bootstrap import Questlog
from questlog.sessions.schemas import ClosedOut, ModelOut, SessionOut
from questlog.sessions.service import MixedCompany, UnknownSession
from questlog.store.queries import Page

router = APIRouter(prefix="/api/v1", tags=["sessions"], route_class=StrictQueryRoute)

SessionIdPath = Annotated[str, Path(min_length=1, max_length=128)]
UserIdPath = Annotated[str, Path(min_length=1, max_length=128)]
CLOSE_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorEnvelope, "description": "mixed_company: attempts of several companies"},
    404: {"model": ErrorEnvelope, "description": "No event of this session is stored"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorEnvelope, "description": "No such session"},
}


async def close_session(questlog: Questlog, session_id: str) -> dict[str, Any]:
    """Close (idempotent) and answer as the routes do; 404 and 400 as ApiError."""
    try:
        return await questlog.sessions.service.close(session_id, how="explicit")
    except UnknownSession as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except MixedCompany as exc:
        raise ApiError(400, "mixed_company", str(exc), [exc.summary["conflict"]]) from None


async def readable_session(
    questlog: Questlog, principal: Principal, session_id: str
) -> dict[str, Any]:
    doc = await questlog.sessions.service.get(session_id)
    if doc is None:
        raise ApiError(404, "not_found", f"no session {session_id!r}")
    player_of(principal, doc.get("user_id") or "")
    return doc


async def post_close(
    questlog: QuestlogDep, _: IngestDep, session_id: SessionIdPath
) -> EnvelopeResponse:
    doc = await close_session(questlog, session_id)
    return ok(ClosedOut.of(doc).model_dump(mode="json"))


# POST .../close, and .../finalize, seed 004's word for the same.
for _verb, _summary in (("close", "Close a session and extract its features"),
                        ("finalize", "The same as close (seed 004's word)")):
    router.add_api_route(f"/sessions/{{session_id}}/{_verb}", post_close, methods=["POST"],
                         name=f"post_{_verb}", summary=_summary, responses=CLOSE_RESPONSES)


@router.get("/sessions/{session_id}", summary="A session's summary with its features",
            responses=NOT_FOUND)
async def get_session(
    questlog: QuestlogDep, principal: PlayerReadDep, session_id: SessionIdPath
) -> EnvelopeResponse:
    doc = await readable_session(questlog, principal, session_id)
    return ok(SessionOut.of(doc).model_dump(mode="json"))


@router.get("/players/{user_id}/sessions", summary="A player's sessions, newest first")
async def list_player_sessions(
    questlog: QuestlogDep, principal: PlayerReadDep, user_id: UserIdPath,
    page: PageParam = 1, page_size: PageSizeParam = 100,
) -> EnvelopeResponse:
    player = player_of(principal, user_id) or user_id
    docs, total = await questlog.sessions.service.for_player(
        player, Page(number=page, size=page_size)
    )
    items = [SessionOut.of(d).model_dump(mode="json") for d in docs]
    return ok(items, {"page": page, "page_size": page_size, "total": total})


@router.get("/players/{user_id}/model", summary="A player's model and next-session prediction")
async def get_player_model(
    questlog: QuestlogDep, principal: PlayerReadDep, user_id: UserIdPath
) -> EnvelopeResponse:
    player = player_of(principal, user_id) or user_id
    doc = await questlog.sessions.service.model(player)
    return ok(ModelOut.of(player, doc).model_dump(mode="json"))
