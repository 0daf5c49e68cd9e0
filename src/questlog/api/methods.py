"""The methods a path allows, for 405 answers and OPTIONS.

Starlette's router answers 405 with the methods of the first route whose path matched
(`Allow: POST` for /api/v1/events, which has GET too); this lists them all.
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path


def method_table(app: FastAPI) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    """(path regex, methods) of every route, walked as app.openapi() walks them."""
    table = []
    for route in iter_route_contexts(app.routes):
        if route.path_format is not None and route.methods:
            regex, _, _ = compile_path(route.path_format)
            table.append((regex, frozenset(route.methods)))
    return table


def allowed_methods(request: Request) -> list[str]:
    app: FastAPI = request.app
    table = getattr(app.state, "method_table", None)
    if table is None:
        table = app.state.method_table = method_table(app)
    path = request.scope.get("path", "")
    methods = {m for regex, ms in table if regex.match(path) for m in ms}
    return [*sorted(methods), "OPTIONS"]
