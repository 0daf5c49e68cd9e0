"""The sessions part of a running Questlog: built and started by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from questlog.bus import Bus
from questlog.sessions import handlers
from questlog.sessions.documents import PlayerModel, Session, SessionSweep
from questlog.sessions.service import SessionService
from questlog.sessions.stats import read_session_stats
from questlog.sessions.sweep import SessionSweeper
from questlog.sessions.worker import SessionWorker
from questlog.settings import Settings
from questlog.stats.reads import StatsQuery
from questlog.stats.service import StatsService
from questlog.store.documents import StoredEvent


@dataclass
class Sessions:
    service: SessionService
    sweeper: SessionSweeper
    worker: SessionWorker

    @classmethod
    def start(cls, *, settings: Settings, bus: Bus) -> Sessions:
        """Needs Beanie initialised."""
        events = StoredEvent.get_motor_collection()
        sessions = Session.get_motor_collection()
        service = SessionService(
            events=events, sessions=sessions, models=PlayerModel.get_motor_collection(),
            raw_ttl=settings.raw_ttl,
        )
        sweeper = SessionSweeper(
            service=service, events=events, sessions=sessions,
            sweeps=SessionSweep.get_motor_collection(), raw_ttl=settings.raw_ttl,
            idle=timedelta(minutes=settings.session_idle_minutes),
        )
        worker = SessionWorker(service)
        if settings.sessions_worker:
            handlers.subscribe(bus, worker)
            worker.start()
        return cls(service=service, sweeper=sweeper, worker=worker)

    async def settle(self, bus: Bus) -> None:
        """Wait until what was stored so far is summarized (for tests and the demo)."""
        await bus.drain()
        await self.worker.wait_idle()

    async def read_stats(
        self, query: StatsQuery, stats: StatsService
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """GET /api/v1/stats?type=session, in the buckets' calendar and privacy threshold."""
        return await read_session_stats(
            Session.get_motor_collection(), query, calendar=stats.calendar, now=stats.clock(),
            min_company_n=stats.settings.min_company_n,
        )

    async def close(self) -> None:
        await self.worker.stop()
