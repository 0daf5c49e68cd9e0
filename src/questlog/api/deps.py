"""FastAPI dependencies, as Annotated aliases ending in Dep."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request

from questlog.api.auth import Principal, bearer_token, principal_for_key
from questlog.api.envelope import ApiError
from questlog.bootstrap import Questlog


def get_questlog(request: Request) -> Questlog:
    questlog: Questlog = request.app.state.questlog
    return questlog


QuestlogDep = Annotated[Questlog, Depends(get_questlog)]


def authenticate(request: Request, questlog: QuestlogDep) -> Principal:
    token = bearer_token(request)
    principal = principal_for_key(token, questlog.settings.api_key_scopes)
    if principal is None:
        raise ApiError(401, "unauthorized", "unknown API key")
    return principal


def require(scope: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.has(scope):
            raise ApiError(403, "forbidden", f"this key lacks the {scope!r} scope")
        return principal

    return check


IngestDep = Annotated[Principal, Depends(require("ingest"))]
ReadDep = Annotated[Principal, Depends(require("read"))]
AdminDep = Annotated[Principal, Depends(require("admin"))]
