"""The seeds' own endpoints, for their existing clients: only the base URL and the key
change. Thin: the shapes are mapped by questlog.compat, the work done by the same
services as the rest of the API, with the same keys and scopes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from questlog.api.auth import Principal
from questlog.api.body import repeated_key
from questlog.api.deps import IngestDep, PlayerReadDep, QuestlogDep, player_of
from questlog.api.envelope import ApiError, EnvelopeResponse, ErrorEnvelope, error, ok
from questlog.api.events import WRITE_RESPONSES, Body, read_json, refuse
from questlog.api.origin import origin_of
from questlog.api.params import PageParam, PageSizeParam
from questlog.api.query import StrictQueryRoute
from questlog.api.sessions import CLOSE_RESPONSES, SessionIdPath, UserIdPath, close_session
from questlog.bootstrap import Questlog
from questlog.compat import seed_000, seed_001, seed_004
from questlog.ingest.codes import HTTP_STATUS, Code
from questlog.ingest.schemas import IngestResultOut
from questlog.ingest.service import BatchResult
from questlog.sessions.schemas import ModelOut, SessionOut
from questlog.store.queries import Page

seed_000_router = APIRouter(
    prefix="/api/v1/telemetry", tags=["seed 000"], route_class=StrictQueryRoute
)
seed_001_router = APIRouter(
    prefix="/v1/telemetry", tags=["seed 001"], route_class=StrictQueryRoute
)
seed_004_router = APIRouter(tags=["seed 004"], route_class=StrictQueryRoute)


def bare(content: Any, status: int = 200) -> EnvelopeResponse:
    """The seeds' clients read their own shapes, not Questlog's envelope."""
    return EnvelopeResponse(content, status_code=status)


def ok_ingested(result: BatchResult, *, status: int = 200, **extra: Any) -> EnvelopeResponse:
    """Seed 000 shows no answer to its writes: they answer as Questlog's own do."""
    return ok({**IngestResultOut.of(result).model_dump(), **extra}, status=status)


async def ingest_one(
    request: Request, questlog: Questlog, principal: Principal, to_event: Any
) -> BatchResult:
    """One event mapped by `to_event`; its rejection answered as POST /api/v1/events does."""
    body = await unambiguous_json(request, questlog, principal)
    result = await questlog.ingestor.ingest(
        [to_event(body.parsed)], api_key=principal.label,
        origin=origin_of(request, principal, questlog),
    )
    if result.rejections:
        reason = result.rejections[0]
        raise ApiError(HTTP_STATUS[reason.code], reason.code, reason.message, reason.details)
    return result


async def read_batch(
    request: Request, questlog: Questlog, principal: Principal, limit: int
) -> dict[str, Any]:
    """A body `{"events": [...], ...}` of at most `limit` events, else refused."""
    body = await unambiguous_json(request, questlog, principal)
    parsed = body.parsed
    if not isinstance(parsed, dict) or not isinstance(parsed.get("events"), list):
        error = ApiError(422, Code.INVALID_BATCH, 'not a batch: expected {"events": [...]}')
        await refuse(questlog, principal, body.raw, error)
    if len(parsed["events"]) > limit:
        message = f"{len(parsed['events'])} events; the limit is {limit}"
        await refuse(questlog, principal, body.raw, ApiError(413, Code.BATCH_TOO_LARGE, message))
    return parsed


async def unambiguous_json(request: Request, questlog: Questlog, principal: Principal) -> Body:
    """The body, refused whole (422 invalid_body, quarantined) when an object in it repeats
    a key: the seeds' shapes are mapped before validation, so no one event can carry it."""
    body = await read_json(request, questlog, principal)
    if body.repeats_keys:
        path, key = repeated_key(body.parsed) or ("", "?")
        field = f"{path}.{key}" if path else key
        message = f"duplicate key {key[:64]!r} in the body (at {field[:128]!r})"
        details = [{"field": field, "message": message, "kind": "duplicate_key"}]
        await refuse(questlog, principal, body.raw, ApiError(422, Code.INVALID_BODY, message,
                                                             details))
    return body


# -- seed 000 ---------------------------------------------------------------------------

@seed_000_router.post("/events", status_code=202, summary="Seed 000: ingest a single event",
                      responses=WRITE_RESPONSES)
async def seed_000_event(
    request: Request, questlog: QuestlogDep, principal: IngestDep
) -> EnvelopeResponse:
    result = await ingest_one(request, questlog, principal, seed_000.to_event)
    return ok_ingested(result, status=202)


@seed_000_router.post("/batch", summary="Seed 000: ingest a batch of events",
                      responses=WRITE_RESPONSES)
async def seed_000_batch(
    request: Request, questlog: QuestlogDep, principal: IngestDep
) -> EnvelopeResponse:
    batch = await read_batch(request, questlog, principal, questlog.settings.max_batch_events)
    result = await questlog.ingestor.ingest(
        seed_000.batch_events(batch), api_key=principal.label,
        origin=origin_of(request, principal, questlog),
    )
    return ok_ingested(result, batch_id=batch.get("batch_id"))


@seed_000_router.post("/session/{session_id}/close", responses=CLOSE_RESPONSES,
                      summary="Seed 000: close a session and extract its behavioural features")
async def seed_000_close(
    questlog: QuestlogDep, _: IngestDep, session_id: SessionIdPath
) -> EnvelopeResponse:
    summary = SessionOut.of(await close_session(questlog, session_id)).model_dump(mode="json")
    return bare(seed_000.closed(summary))


# -- seed 001 ---------------------------------------------------------------------------

@seed_001_router.post("/events", summary="Seed 001: a batch of at most 50 test-session events",
                      responses=WRITE_RESPONSES)
async def seed_001_events(
    request: Request, questlog: QuestlogDep, principal: IngestDep
) -> EnvelopeResponse:
    batch = await read_batch(request, questlog, principal, seed_001.MAX_EVENTS)
    result = await questlog.ingestor.ingest(
        seed_001.batch_events(batch), api_key=principal.label,
        origin=origin_of(request, principal, questlog),
    )
    rejections = [(r.index, str(r.code), r.message) for r in result.rejections]
    return bare(seed_001.answer(accepted=result.accepted + result.duplicates,
                                rejections=rejections))


# -- seed 004 ---------------------------------------------------------------------------

@seed_004_router.get("/health", summary="Seed 004: liveness",
                     responses={503: {"model": ErrorEnvelope, "description": "MongoDB is down"}})
async def seed_004_health(questlog: QuestlogDep) -> EnvelopeResponse:
    if not await questlog.store.ping():
        return error(503, "store_unavailable", "MongoDB is not answering")
    return bare({"status": "ok"})


@seed_004_router.post("/events", summary="Seed 004: ingest an AttemptSubmitted event",
                      responses=WRITE_RESPONSES)
async def seed_004_event(
    request: Request, questlog: QuestlogDep, principal: IngestDep
) -> EnvelopeResponse:
    result = await ingest_one(request, questlog, principal, seed_004.to_event)
    return bare({"status": "ok", "event_id": (result.event_ids or result.duplicate_ids)[0]})


@seed_004_router.post("/sessions/{session_id}/finalize", responses=CLOSE_RESPONSES,
                      summary="Seed 004: compute a session's metrics, refit the model")
async def seed_004_finalize(
    questlog: QuestlogDep, _: IngestDep, session_id: SessionIdPath
) -> EnvelopeResponse:
    summary = SessionOut.of(await close_session(questlog, session_id)).model_dump(mode="json")
    return bare(seed_004.session_summary(summary))


@seed_004_router.get("/players/{player_id}/sessions", summary="Seed 004: a player's sessions")
async def seed_004_sessions(
    questlog: QuestlogDep, principal: PlayerReadDep, player_id: UserIdPath,
    page: PageParam = 1, page_size: PageSizeParam = 1000,
) -> EnvelopeResponse:
    player = player_of(principal, player_id) or player_id
    docs, _ = await questlog.sessions.service.for_player(player, Page(page, page_size))
    return bare([seed_004.session_summary(SessionOut.of(d).model_dump(mode="json"))
                 for d in docs])


@seed_004_router.get("/model/state/{player_id}", summary="Seed 004: a player's model state")
async def seed_004_model(
    questlog: QuestlogDep, principal: PlayerReadDep, player_id: UserIdPath
) -> EnvelopeResponse:
    player = player_of(principal, player_id) or player_id
    model = ModelOut.of(player, await questlog.sessions.service.model(player))
    return bare(seed_004.model_state(model.model_dump(mode="json")))


ROUTERS = (seed_000_router, seed_001_router, seed_004_router)
