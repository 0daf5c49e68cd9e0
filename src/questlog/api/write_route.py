"""The write routes' route class: their endpoint called with the writer's principal,
without FastAPI's request handler.

FastAPI's handler solves a route's dependencies and its parameters on every request,
and a write route has one dependency (deps.writer) and no parameters: it reads its body
itself (api.events.read_json, to quarantine what cannot be read) and returns its
EnvelopeResponse. That handler was about a twentieth of a one-event write's instructions
in the serving process (docs/performance-history.md, "Single events, sixth pass"). The
route is declared as any other: the OpenAPI document and the scope table
(deps.route_scopes) read it from the endpoint's signature as before. Where an app
overrides dependencies (app.dependency_overrides, as a test may), FastAPI's handler
runs, which honours them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from questlog.api.auth import Principal
from questlog.api.deps import writer
from questlog.api.query import Handler, StrictQueryRoute

WriteEndpoint = Callable[[Request, Principal], Coroutine[Any, Any, Response]]


class WriteRoute(StrictQueryRoute):
    """A route whose endpoint is `(request: Request, principal: WriterDep)`, exactly:
    anything else could not be called without FastAPI's handler, so it is refused
    when the route is declared, not when a request finds it missing."""

    def __init__(self, path: str, endpoint: WriteEndpoint, **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        parameters = list(inspect.signature(endpoint).parameters)
        dependencies = [d.call for d in self.dependant.dependencies]
        if parameters != ["request", "principal"] or dependencies != [writer]:
            raise TypeError(f"{endpoint.__name__}: a write route's endpoint takes "
                            "(request: Request, principal: WriterDep) and nothing else")

    def get_route_handler(self) -> Handler:
        endpoint: WriteEndpoint = self.endpoint
        solving = APIRoute.get_route_handler(self)  # FastAPI's own, for overrides

        async def write_handler(request: Request) -> Response:
            if request.app.dependency_overrides:
                return await solving(request)
            return await endpoint(request, await writer(request))

        return self.strict(write_handler)


def post_write(router: APIRouter, path: str, **options: Any
               ) -> Callable[[WriteEndpoint], WriteEndpoint]:
    """`@router.post(path, **options)`, declaring a WriteRoute."""

    def declare(endpoint: WriteEndpoint) -> WriteEndpoint:
        router.add_api_route(path, endpoint, methods=["POST"], route_class_override=WriteRoute,
                             **options)
        return endpoint

    return declare
