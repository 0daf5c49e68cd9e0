"""Routes of the write path and the raw-event reads."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError

from questlog.api.auth import Principal
from questlog.api.body import parse_json, read_body
from questlog.api.budget import spend_request_budget
from questlog.api.deps import AdminDep, IngestDep, QuestlogDep, ReadDep
from questlog.api.envelope import ApiError, EnvelopeResponse, ErrorEnvelope, ok
from questlog.api.origin import origin_of
from questlog.api.params import TimeParam, page_meta, paging
from questlog.api.query import StrictQueryRoute
from questlog.bootstrap import Questlog
from questlog.events import EVENT_TYPES
from questlog.ingest.codes import HTTP_STATUS, Code
from questlog.ingest.schemas import BatchIn, IngestEnvelope, IngestResultOut
from questlog.ingest.validation import describe_errors, summarize
from questlog.store.documents import RejectedEvent, StoredEvent
from questlog.store.queries import Page, find_events, find_rejected

router = APIRouter(prefix="/api/v1/events", tags=["events"], route_class=StrictQueryRoute)


async def refuse(
    questlog: Questlog, principal: Principal, body: bytes, error: ApiError
) -> NoReturn:
    """Quarantine a request that cannot be read as events at all, then answer with `error`."""
    await questlog.ingestor.reject_request(
        Code(error.code), error.message, body.decode(errors="replace"), api_key=principal.label
    )
    raise error


async def read_json(
    request: Request, questlog: Questlog, principal: Principal
) -> tuple[bytes, Any]:
    """The body and its parsed JSON; an unreadable body is refused."""
    body = await read_body(request, questlog.settings.max_body_bytes)
    try:
        return body, parse_json(body)
    except ApiError as exc:
        await refuse(questlog, principal, body, exc)


# The write routes read the raw body themselves (to quarantine what cannot be read and
# to answer each event's rejection precisely), so their OpenAPI bodies are declared here.
ONE_EVENT_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object",
    "required": ["type"],
    "properties": {"type": {"enum": sorted(EVENT_TYPES)}},
    "description": "One event; its schema per type and version is in contracts/schemas/.",
}}}}}
BATCH_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": BatchIn.model_json_schema()}
}}}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorEnvelope, "description": "Event or batch too large"},
    429: {"model": ErrorEnvelope, "description": "Over the key's request budget; see Retry-After"},
    503: {"model": ErrorEnvelope, "description": "MongoDB is not answering; retry"},
}
BUDGET = [Depends(spend_request_budget)]


@router.post(
    "", status_code=202, summary="Log one event", response_model=IngestEnvelope,
    openapi_extra=ONE_EVENT_BODY, responses=WRITE_RESPONSES, dependencies=BUDGET,
)
async def post_event(
    request: Request, questlog: QuestlogDep, principal: IngestDep
) -> EnvelopeResponse:
    _, item = await read_json(request, questlog, principal)
    result = await questlog.ingestor.ingest(
        [item], api_key=principal.label, origin=origin_of(request, principal, questlog)
    )
    if result.rejections:
        reason = result.rejections[0]
        retry = {"Retry-After": "1"} if reason.code == Code.RATE_LIMITED else None
        raise ApiError(HTTP_STATUS[reason.code], reason.code, reason.message, reason.details,
                       headers=retry)
    return ok(IngestResultOut.of(result).model_dump(), status=202)


@router.post(
    "/batch", summary="Log a batch of events; valid ones are stored even when others are not",
    response_model=IngestEnvelope, openapi_extra=BATCH_BODY, responses=WRITE_RESPONSES,
    dependencies=BUDGET,
)
async def post_batch(
    request: Request, questlog: QuestlogDep, principal: IngestDep
) -> EnvelopeResponse:
    body, parsed = await read_json(request, questlog, principal)
    try:
        batch = BatchIn.model_validate(parsed)
    except ValidationError as exc:
        details = describe_errors(exc)
        message = f"not a batch: {summarize(details)}"
        error = ApiError(422, Code.INVALID_BATCH, message, details)
        await refuse(questlog, principal, body, error)
    limit = questlog.settings.max_batch_events
    if len(batch.events) > limit:
        message = f"{len(batch.events)} events; the limit is {limit}"
        await refuse(questlog, principal, body, ApiError(413, Code.BATCH_TOO_LARGE, message))
    result = await questlog.ingestor.ingest(
        batch.events, sent_at=batch.sent_at, api_key=principal.label,
        origin=origin_of(request, principal, questlog),
    )
    return ok(IngestResultOut.of(result).model_dump())


EventPageDep = Annotated[Page, Depends(paging(100))]
FilterParam = Annotated[str | None, Query(min_length=1, max_length=128)]


@router.get("", summary="Stored events, newest first; page on with after=meta.next_after")
async def list_events(
    questlog: QuestlogDep,
    _: ReadDep,
    page: EventPageDep,
    type: FilterParam = None,
    user_id: FilterParam = None,
    company_id: FilterParam = None,
    session_id: FilterParam = None,
    from_: Annotated[TimeParam | None, Query(alias="from")] = None,
    to: TimeParam | None = None,
) -> EnvelopeResponse:
    filters = {"type": type, "user_id": user_id, "company_id": company_id, "session_id": session_id}
    found = await find_events(
        StoredEvent.get_motor_collection(), filters=filters, start=from_, end=to, page=page
    )
    return ok(found.items, page_meta(page, found))


@router.get("/rejected", summary="Quarantined rejections, newest first (admin)")
async def list_rejected(
    _: AdminDep,
    page: EventPageDep,
    code: FilterParam = None,
    from_: Annotated[TimeParam | None, Query(alias="from")] = None,
    to: TimeParam | None = None,
) -> EnvelopeResponse:
    found = await find_rejected(
        RejectedEvent.get_motor_collection(), code=code, start=from_, end=to, page=page
    )
    return ok(found.items, page_meta(page, found))
