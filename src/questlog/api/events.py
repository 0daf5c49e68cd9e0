"""Routes of the write path and the raw-event reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError

from questlog.api.auth import Principal
from questlog.api.body import (
    BodyTooLarge,
    DuplicateKey,
    RepeatedKeys,
    parse_json,
    read_body,
    read_head,
    repeated_key,
)
from questlog.api.deps import AdminDep, QuestlogDep, ReadDep, WriterDep, questlog_of
from questlog.api.envelope import BODY_RESPONSES, ApiError, EnvelopeResponse, ErrorEnvelope, ok
from questlog.api.openapi import EVENT_REF
from questlog.api.origin import origin_of
from questlog.api.params import TimeParam, page_meta, paging
from questlog.api.query import StrictQueryRoute
from questlog.api.write_route import post_write
from questlog.bootstrap import Questlog
from questlog.ingest.codes import HTTP_STATUS, Code
from questlog.ingest.quarantine import not_stored
from questlog.ingest.schemas import BatchIn, IngestEnvelope, IngestResultOut
from questlog.ingest.validation import AmbiguousEvent, describe_errors, summarize
from questlog.settings import Settings
from questlog.store.documents import RejectedEvent, RejectionCount, StoredEvent
from questlog.store.queries import Page, find_events, find_rejected

router = APIRouter(prefix="/api/v1/events", tags=["events"], route_class=StrictQueryRoute)

async def refuse(
    questlog: Questlog, principal: Principal, body: bytes, error: ApiError,
    size: int | None = None,
) -> NoReturn:
    """Quarantine a request that cannot be read as events at all, then answer with `error`."""
    await questlog.ingestor.reject_request(
        Code(error.code), error.message, body.decode(errors="replace"), api_key=principal.label,
        size=len(body) if size is None else size,
    )
    raise error


@dataclass(frozen=True)
class Body:
    raw: bytes
    parsed: Any
    repeats_keys: bool  # some object repeats a key: parsed marks it (RepeatedKeys)

    def events(self, items: list[Any]) -> list[Any]:
        """`items`, each event whose objects repeat a key made an AmbiguousEvent."""
        if not self.repeats_keys:  # the usual case: no walk through every event
            return items
        return [self._unambiguous(item) for item in items]

    @staticmethod
    def _unambiguous(item: Any) -> Any:
        found = repeated_key(item)
        return item if found is None else AmbiguousEvent(item, *found)


async def read_json(request: Request, questlog: Questlog, principal: Principal) -> Body:
    """The body and its parsed JSON.

    A body past the limit, not sent as JSON or not JSON is refused, and quarantined
    with its first bytes: nothing a client sent vanishes without a trace.
    """
    try:
        raw = await read_body(request, questlog.settings.max_body_bytes, code=Code.BATCH_TOO_LARGE)
    except BodyTooLarge as exc:
        await refuse(questlog, principal, exc.head, exc, size=exc.size)
    except ApiError as exc:  # not sent as JSON: refused unread, but recorded
        declared = request.headers.get("content-length", "")
        head = await read_head(request)
        await refuse(questlog, principal, head, exc,
                     size=int(declared) if declared.isdigit() else len(head))
    try:
        try:
            return Body(raw, parse_json(raw), repeats_keys=False)
        except DuplicateKey:  # rare: parse again, marking the objects, to reject just those
            return Body(raw, parse_json(raw, mark_duplicates=True), repeats_keys=True)
    except ApiError as exc:
        await refuse(questlog, principal, raw, exc)


# The write routes read the raw body themselves (to quarantine what cannot be read and
# to answer each event's rejection precisely), so their OpenAPI bodies are declared here;
# `Event` is api.openapi's oneOf of the per-type schemas.
ONE_EVENT_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": EVENT_REF},
}}}}


def _batch_schema() -> dict[str, Any]:
    schema = BatchIn.model_json_schema(mode="validation")
    schema["properties"]["events"].update({
        "items": {"$ref": EVENT_REF},
        "maxItems": Settings.model_fields["max_batch_events"].default,
        "description": (
            "The events (at most max_batch_events, 413 batch_too_large past it); each is "
            "validated on its own: the valid ones are stored, the others listed in "
            "data.rejections with their code."
        ),
    })
    return schema


BATCH_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": _batch_schema()}
}}}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **BODY_RESPONSES,
    413: {"model": ErrorEnvelope, "description": "Event or batch too large"},
    429: {"model": ErrorEnvelope, "description": "Over the key's request budget; see Retry-After"},
    503: {"model": ErrorEnvelope, "description": "MongoDB is not answering; retry"},
}


@post_write(
    router, "", status_code=202, summary="Log one event", response_model=IngestEnvelope,
    openapi_extra=ONE_EVENT_BODY, responses=WRITE_RESPONSES,
)
async def post_event(request: Request, principal: WriterDep) -> EnvelopeResponse:
    questlog = questlog_of(request)  # a write route takes nothing else (api.write_route)
    body = await read_json(request, questlog, principal)
    result = await questlog.ingestor.ingest(
        body.events([body.parsed]), api_key=principal.label,
        origin=origin_of(request, principal, questlog),
    )
    if result.rejections:
        reason = result.rejections[0]
        retry = {"Retry-After": "1"} if reason.code == Code.RATE_LIMITED else None
        raise ApiError(HTTP_STATUS[reason.code], reason.code, reason.message, reason.details,
                       headers=retry)
    return ok(IngestResultOut.of(result).model_dump(), status=202)


@post_write(
    router, "/batch",
    summary="Log a batch of events; valid ones are stored even when others are not",
    response_model=IngestEnvelope, openapi_extra=BATCH_BODY, responses=WRITE_RESPONSES,
)
async def post_batch(request: Request, principal: WriterDep) -> EnvelopeResponse:
    questlog = questlog_of(request)  # a write route takes nothing else (api.write_route)
    body = await read_json(request, questlog, principal)
    if isinstance(body.parsed, RepeatedKeys):
        key = body.parsed.repeated
        message = f"duplicate key {key[:64]!r} in the batch object"
        details = [{"field": key, "message": message, "kind": "duplicate_key"}]
        error = ApiError(422, Code.INVALID_BODY, message, details)
        await refuse(questlog, principal, body.raw, error)
    try:
        batch = BatchIn.model_validate(body.parsed)
    except ValidationError as exc:
        details = describe_errors(exc)
        message = f"not a batch: {summarize(details)}"
        error = ApiError(422, Code.INVALID_BATCH, message, details)
        await refuse(questlog, principal, body.raw, error)
    limit = questlog.settings.max_batch_events
    if len(batch.events) > limit:
        message = f"{len(batch.events)} events; the limit is {limit}"
        await refuse(questlog, principal, body.raw, ApiError(413, Code.BATCH_TOO_LARGE, message))
    result = await questlog.ingestor.ingest(
        body.events(batch.events), sent_at=batch.sent_at, api_key=principal.label,
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


@router.get(
    "/rejected", summary="Quarantined rejections, newest first, and what was only counted (admin)",
    description=(
        "`data`: the stored rejections. `meta.not_stored`: per key and code, the rejections "
        "counted but not stored past the key's hourly budget (`counted`) or deleted past the "
        "quarantine's cap (`evicted`), with their bytes, first and last time and a sample."
    ),
)
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
    counted = await not_stored(
        RejectionCount.get_motor_collection(), code=code, start=from_, end=to
    )
    return ok(found.items, {**page_meta(page, found), "not_stored": counted})
