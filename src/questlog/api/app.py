"""create_app() and its lifespan: open MongoDB and the services at start, close them at stop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from questlog import bootstrap
from questlog.api import (
    achievements,
    analytics,
    companies,
    compat,
    config,
    dashboard,
    dashboard_compat,
    dashboard_pages,
    events,
    exports,
    health,
    jobs,
    keys,
    live,
    metrics,
    players,
    privacy,
    reference,
    replay,
    sessions,
    stats,
    ws,
)
from questlog.api.cors import install_cors
from questlog.api.deadline import ReadDeadline
from questlog.api.docs import install_docs
from questlog.api.envelope import ERROR_RESPONSES, install_error_handlers
from questlog.api.limits import RequestHeadLimits
from questlog.api.openapi import install_openapi
from questlog.settings import Settings

ROUTERS = (
    health.router, events.router, stats.router, jobs.router, achievements.router, players.router,
    privacy.router, companies.router, dashboard.router, dashboard_compat.router, keys.router,
    reference.router,
    sessions.router, *compat.ROUTERS,
    metrics.router, exports.router, replay.router, config.router,
    analytics.router, live.router, ws.router,
    dashboard_pages.router,  # last: its /dashboard/{page} comes after seed 004's /dashboard/...
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.questlog = await bootstrap.start(settings)
        try:
            yield
        finally:
            await app.state.questlog.close()

    app = FastAPI(
        title="Questlog",
        version="1.0",
        summary="Game telemetry event store: typed events, statistics and achievements.",
        lifespan=lifespan,
        docs_url=None,  # api.docs serves Swagger UI from files of our own, not a CDN
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    install_openapi(app, settings)
    install_docs(app)
    install_error_handlers(app)
    metrics.install_operations(app)
    app.add_middleware(ReadDeadline, seconds=settings.read_deadline_seconds)
    app.add_middleware(RequestHeadLimits, settings=settings)
    install_cors(app, settings)  # outermost: a browser reads even a 414's answer
    for router in ROUTERS:
        app.include_router(router, responses=ERROR_RESPONSES)
    return app
