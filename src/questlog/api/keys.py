"""Routes of API keys created at run time (admin): create, list, revoke."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from questlog.access.schemas import KeyIn
from questlog.api.body import body_doc
from questlog.api.deps import ADMIN, AdminDep, QuestlogDep, body_of
from questlog.api.envelope import (
    BODY_RESPONSES,
    ApiError,
    EnvelopeResponse,
    ErrorEnvelope,
    ok,
)
from questlog.api.query import StrictQueryRoute

router = APIRouter(prefix="/api/v1/keys", tags=["keys"], route_class=StrictQueryRoute)
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorEnvelope, "description": "No such key"}}


KeyBody = Annotated[KeyIn, Depends(
    body_of(KeyIn, guard=ADMIN, max_bytes=lambda s: s.max_small_body_bytes)
)]


@router.post("", status_code=201, summary="Create an API key; the key is shown this once "
             "(admin)", responses=BODY_RESPONSES, openapi_extra=body_doc(KeyIn))
async def create_key(questlog: QuestlogDep, _: AdminDep, body: KeyBody) -> EnvelopeResponse:
    created = await questlog.access.keys.create(name=body.name, scopes=body.scopes)
    return ok({"key": created.key, **created.record}, status=201)


@router.get("", summary="The keys created at run time, without the keys (admin)")
async def list_keys(questlog: QuestlogDep, _: AdminDep) -> EnvelopeResponse:
    return ok(await questlog.access.keys.listed())


@router.delete("/{key_id}", summary="Revoke a key at once, for every process (admin)",
                responses=NOT_FOUND)
async def revoke_key(questlog: QuestlogDep, _: AdminDep,
                     key_id: Annotated[str, Path(min_length=1, max_length=32)]) -> EnvelopeResponse:
    revoked = await questlog.access.keys.revoke(key_id)
    if revoked is None:
        raise ApiError(404, "not_found", f"no key {key_id[:32]!r}")
    return ok(revoked)
