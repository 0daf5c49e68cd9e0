"""GET /metrics for Prometheus, and the middleware that times every request per route."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from questlog.api.auth import bearer_token
from questlog.api.deps import QuestlogDep
from questlog.api.envelope import ApiError, error
from questlog.api.query import StrictQueryRoute
from questlog.ops.backpressure import Overloaded
from questlog.ops.metrics import Metrics

router = APIRouter(tags=["operations"], route_class=StrictQueryRoute)


@router.get(
    "/metrics", summary="Prometheus metrics (text format); a key only if QUESTLOG_METRICS_KEY",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus exposition"}},
)
async def get_metrics(request: Request, questlog: QuestlogDep) -> Response:
    key = questlog.settings.metrics_key
    if key and not hmac.compare_digest(bearer_token(request).encode(), key.encode()):
        raise ApiError(401, "unauthorized", "/metrics needs the QUESTLOG_METRICS_KEY as Bearer")
    body, content_type = await questlog.ops.scrape()
    return Response(body, media_type=content_type)


class RequestTimer:
    """Pure ASGI middleware: the latency of each request, labelled by its route template
    (never the raw path, which would make a series per id)."""

    def __init__(self, app: ASGIApp, metrics: Callable[[], Metrics | None]) -> None:
        self.app, self._metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            metrics = self._metrics()
            if metrics is not None:
                route = getattr(scope.get("route"), "path", "unmatched")
                metrics.request_seconds.labels(
                    method=scope["method"], route=route, status=str(status)
                ).observe(time.perf_counter() - started)


def install_operations(app: FastAPI) -> None:
    """The request timer, and the 503 of an overloaded write path."""

    def metrics() -> Metrics | None:
        questlog = getattr(app.state, "questlog", None)
        return questlog.ops.metrics if questlog is not None else None

    app.add_middleware(RequestTimer, metrics=metrics)

    @app.exception_handler(Overloaded)
    async def on_overloaded(_: Request, exc: Overloaded) -> Response:
        return error(503, "overloaded", f"ingestion is overloaded ({exc.reason}); nothing of "
                     "this request was stored: send it again after Retry-After seconds",
                     headers={"Retry-After": str(exc.retry_after)})
