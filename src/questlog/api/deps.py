"""FastAPI dependencies, as Annotated aliases ending in Dep."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from questlog.api import credentials
from questlog.api.auth import Principal, bearer_token, principal_for_key
from questlog.api.body import read_model
from questlog.api.envelope import ApiError
from questlog.bootstrap import Questlog
from questlog.settings import Settings

M = TypeVar("M", bound=BaseModel)


def questlog_of(request: Request) -> Questlog:
    questlog: Questlog = request.app.state.questlog
    return questlog


async def get_questlog(request: Request) -> Questlog:
    # async, though it awaits nothing: FastAPI runs a plain function dependency on a
    # worker thread, a thread hop on every request.
    return questlog_of(request)


QuestlogDep = Annotated[Questlog, Depends(get_questlog)]


async def authenticate(request: Request) -> Principal:
    # Not through QuestlogDep: FastAPI solves a dependency's own dependencies again at
    # every place it is named, cached or not (about 10 µs each), and every scope check
    # of every request goes through here.
    questlog = questlog_of(request)
    token = bearer_token(request)
    principal = principal_for_key(token, questlog.settings.api_key_scopes)
    if principal is None:
        principal = await credentials.principal_for(token, questlog)
    if principal is None:
        raise ApiError(
            401, "unauthorized",
            "unknown API key: none of the keys this server accepts (QUESTLOG_API_KEYS, or the "
            "development key its log printed at start)",
        )
    return principal


# Each scope check made by require(), with its scope: route_scopes() finds them in routes.
_SCOPE_CHECKS: dict[Callable[..., Any], str] = {}
SCOPE_CHECKS = _SCOPE_CHECKS  # for credentials checked outside require() (dashboard tokens)


def require(scope: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.has(scope):
            raise ApiError(403, "forbidden", f"this key lacks the {scope!r} scope")
        return principal

    _SCOPE_CHECKS[check] = scope
    return check


INGEST_SCOPE = "ingest or the player's token with ingest"


def _check_ingest(principal: Principal) -> Principal:
    """`principal`, if it is a key with ingest or a player token with ingest (which
    writes its own events only); else 403."""
    allowed = (principal.has("ingest") if principal.user_id is None
               else "ingest" in principal.player_scopes)
    if not allowed:
        raise ApiError(403, "forbidden", "this key or token lacks the 'ingest' scope")
    return principal


def require_ingest() -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A key with ingest, or a player token with ingest."""

    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        return _check_ingest(principal)

    _SCOPE_CHECKS[check] = INGEST_SCOPE
    return check


INGEST, READ, ADMIN = require_ingest(), require("read"), require("admin")
IngestDep = Annotated[Principal, Depends(INGEST)]
ReadDep = Annotated[Principal, Depends(READ)]
AdminDep = Annotated[Principal, Depends(ADMIN)]


async def writer(request: Request) -> Principal:
    """The principal of a write route: a key or token with ingest (else 401 or 403),
    once its key had budget for this request (else 429 rate_limited, with Retry-After).

    One function that calls the checks, not a chain of dependencies: the write routes'
    own route class (api.write_route) calls it without FastAPI's dependency solving. As
    the routes' dependency it still names their scope for the OpenAPI document and the
    scope table (route_scopes), and FastAPI solves it where an app overrides it."""
    principal = _check_ingest(await authenticate(request))
    wait = await questlog_of(request).access.request_budget(principal.label, time.time())
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise ApiError(429, "rate_limited",
                       f"this key is over its request budget; retry in {seconds} s",
                       headers={"Retry-After": str(seconds)})
    return principal


_SCOPE_CHECKS[writer] = INGEST_SCOPE
WriterDep = Annotated[Principal, Depends(writer)]


def require_or_player(scope: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A key with `scope`, or a player token, which the route limits with player_of()."""

    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.user_id is None and not principal.has(scope):
            raise ApiError(403, "forbidden", f"this key lacks the {scope!r} scope")
        # A token issued for ingest only does not read (admin routes: any own token).
        reads = scope == "read" and principal.user_id is not None
        if reads and "read" not in principal.player_scopes:
            raise ApiError(403, "forbidden", "this player token lacks the 'read' scope")
        return principal

    _SCOPE_CHECKS[check] = f"{scope} or the player's token"
    return check


PLAYER_READ, PLAYER_ADMIN = require_or_player("read"), require_or_player("admin")
PlayerReadDep = Annotated[Principal, Depends(PLAYER_READ)]
PlayerAdminDep = Annotated[Principal, Depends(PLAYER_ADMIN)]


def body_of(
    model: type[M], *, guard: Callable[..., Coroutine[Any, Any, Principal]],
    max_bytes: Callable[[Settings], int], optional: bool = False,
) -> Callable[..., Coroutine[Any, Any, M]]:
    """A dependency reading the body as `model`, after `guard` (the route's own scope
    check, so FastAPI runs it once) accepted the credential: a request without a valid
    one is answered before a byte of its body is read. FastAPI's own body parameters
    read the whole body first, whatever its size, so routes take their body from here.
    """

    async def body(
        request: Request, questlog: QuestlogDep, _: Principal = Depends(guard),  # noqa: B008
    ) -> M:
        return await read_model(request, model, max_bytes(questlog.settings), optional=optional)

    return body


def player_of(principal: Principal, user_id: str | None) -> str | None:
    """The player a request may see: any one for a key, only its own for a player token."""
    if principal.user_id is None:
        return user_id
    if user_id is not None and user_id != principal.user_id:
        raise ApiError(403, "forbidden", "a player token grants its own player's data only")
    return principal.user_id


def _scopes_checked(dependant: Dependant) -> set[str]:
    found = {_SCOPE_CHECKS[dependant.call]} if dependant.call in _SCOPE_CHECKS else set()
    for sub in dependant.dependencies:
        found |= _scopes_checked(sub)
    return found


def route_scopes(app: FastAPI) -> dict[tuple[str, str], frozenset[str]]:
    """(METHOD, path) -> the scopes its dependencies require (empty: no key needed).

    For the endpoint table in contracts/; walks the routes the way app.openapi() does.
    """
    scopes: dict[tuple[str, str], frozenset[str]] = {}
    for route in iter_route_contexts(app.routes):
        path, methods = route.path_format, route.methods  # never None for an APIRoute
        if isinstance(route.original_route, APIRoute) and path is not None and methods:
            needed = frozenset(_scopes_checked(route.dependant))
            scopes.update({(method, path): needed for method in methods})
    return scopes
