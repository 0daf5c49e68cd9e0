"""create_app() and its lifespan: open MongoDB and the services at start, close them at stop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from questlog import bootstrap
from questlog.api import (
    achievements,
    analytics,
    dashboard,
    events,
    health,
    jobs,
    live,
    players,
    stats,
    ws,
)
from questlog.api.envelope import ERROR_RESPONSES, install_error_handlers
from questlog.settings import Settings

ROUTERS = (
    health.router, events.router, stats.router, jobs.router, achievements.router, players.router,
    analytics.router, dashboard.router, live.router, ws.router,
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
        docs_url="/api/v1/docs",
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router, responses=ERROR_RESPONSES)
    return app
