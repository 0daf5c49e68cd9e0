"""The composition root: opens the store, builds the bus and the services, and closes them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from beanie import Document

from jobs import JOBS, sweep_sessions
from jobs.scheduler import JobScheduler
from questlog.access import documents as access_documents
from questlog.access.runtime import Access
from questlog.access.secrets_check import check_secrets
from questlog.achievements import documents as achievement_documents
from questlog.achievements.book import Book
from questlog.achievements.runtime import Achievements, load_book
from questlog.analytics.service import AnalyticsService
from questlog.bus import Bus
from questlog.events import EventBase
from questlog.ingest.best_effort import BestEffortLogger
from questlog.ingest.service import EventsStored, Ingestor
from questlog.live.feed import LiveFeed
from questlog.ops import documents as ops_documents
from questlog.ops.jobs import operations_jobs
from questlog.ops.runtime import Operations
from questlog.ops.wiring import watch_live_state
from questlog.sessions import documents as session_documents
from questlog.sessions.runtime import Sessions
from questlog.settings import Settings
from questlog.stats import documents as stats_documents
from questlog.stats.helper import helper_for
from questlog.stats.lease import Leases
from questlog.stats.migration import merge_per_type_buckets
from questlog.stats.service import StatsService
from questlog.store import documents as event_documents
from questlog.store.connection import Store, connect_configured, open_store
from questlog.store.indexes import ensure_ttl_index
from questlog.store.transactions import Transactions

log = logging.getLogger(__name__)
STOP_STEP_SECONDS = 15.0

DOCUMENT_MODELS: list[type[Document]] = [
    *event_documents.MODELS, *stats_documents.MODELS, *achievement_documents.MODELS,
    *access_documents.MODELS,
    *session_documents.MODELS,
    *ops_documents.MODELS,
]


@dataclass
class Questlog:
    """Everything a running Questlog process holds, wired once."""

    settings: Settings
    store: Store
    bus: Bus
    ingestor: Ingestor
    best_effort: BestEffortLogger
    achievements: Achievements
    stats: StatsService
    sessions: Sessions
    scheduler: JobScheduler | None  # None when settings.scheduler_enabled is off
    access: Access
    ops: Operations  # metrics, backpressure, export (questlog.ops)
    analytics: AnalyticsService
    live: LiveFeed

    async def log_event(self, event: EventBase | Mapping[str, Any]) -> str:
        return await self.ingestor.log_event(event)

    def log_event_nowait(self, event: EventBase | Mapping[str, Any]) -> bool:
        return self.best_effort.log_nowait(event)

    async def close(self) -> None:
        """Stop every part in order, each within STOP_STEP_SECONDS: a part that does not
        stop is logged and left, so shutdown (SIGTERM included) never hangs on it."""
        global _running
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            ("best-effort buffer", self.best_effort.stop), ("bus", self.bus.stop),
            ("achievements", self.achievements.close), ("sessions", self.sessions.close),
            ("operations", self.ops.close),  # after the writers: it counts what they stored
            ("statistics' helper process", self.stats.close),
        ]
        if self.scheduler is not None:
            steps.insert(0, ("scheduler", self.scheduler.stop))
        for name, stop in steps:
            try:
                async with asyncio.timeout(STOP_STEP_SECONDS):
                    await stop()
            except TimeoutError:
                log.error("the %s did not stop within %s s; shutting down without it",
                          name, STOP_STEP_SECONDS)
        self.store.close()
        if _running is self:
            _running = None


_running: Questlog | None = None


def running() -> Questlog:
    """The Questlog started in this process, for `questlog.log_event`."""
    if _running is None:
        raise RuntimeError("Questlog is not started in this process (see questlog.bootstrap.start)")
    return _running


async def start(settings: Settings) -> Questlog:
    check_secrets(settings)  # development secrets against a real MongoDB stop the start here
    book = load_book(settings)  # a bad definitions file stops the start here, naming it
    store = await open_documents(settings)
    try:
        return await _start_services(settings, book, store)
    except BaseException:
        store.close()  # stops the local server this process may have started
        raise


async def _start_services(settings: Settings, book: Book, store: Store) -> Questlog:
    await ensure_retention(store, settings)
    bus = Bus(max_queue=settings.bus_queue_size)
    access = Access.start(settings)
    ops = Operations.build(settings, bus, kept_whole=book.event_types)
    events = event_documents.StoredEvent.get_motor_collection()
    ingestor = Ingestor(
        settings=settings,
        events=events,
        rejected=event_documents.RejectedEvent.get_motor_collection(),
        counts=event_documents.RejectionCount.get_motor_collection(),
        bus=bus,
        gate=access.gate,
        hooks=ops.hooks,
        transactions=Transactions(events),  # a session's claim and its events in one unit
    )
    best_effort = BestEffortLogger(ingestor)
    live = LiveFeed()
    bus.subscribe(EventsStored, live.on_events_stored)
    achievements = await Achievements.start(settings=settings, book=book, bus=bus)
    stats = StatsService(
        settings=settings,
        events=event_documents.StoredEvent.get_motor_collection(),
        daily=stats_documents.DailyStat.get_motor_collection(),
        weekly=stats_documents.WeeklyStat.get_motor_collection(),
        runs=stats_documents.JobRun.get_motor_collection(),
        cursors=stats_documents.DayCursor.get_motor_collection(),
        helper=helper_for(store.connection) if settings.rollup_helper else None,
    )
    access.with_stats(database=store.database, stats=stats, bus=bus)
    sessions = Sessions.start(settings=settings, bus=bus)
    for collection, player_field in session_documents.PLAYER_DATA:
        access.erasing().data.also(collection, player_field)  # erased and exported too
    bus.start()
    best_effort.start()
    scheduler = None
    if settings.scheduler_enabled:
        leases = Leases(stats_documents.Lease.get_motor_collection())
        jobs = [*JOBS, sweep_sessions.job(sessions.sweeper),
                *operations_jobs(settings, ops.exporter, ops.metrics, ops.hooks.acknowledged)]
        scheduler = JobScheduler(jobs=jobs, stats=stats, leases=leases, on_run=ops.observe_run)
        scheduler.start()
    global _running
    _running = Questlog(
        settings=settings, store=store, bus=bus, ingestor=ingestor, best_effort=best_effort,
        achievements=achievements,
        stats=stats, scheduler=scheduler, access=access, sessions=sessions,
        analytics=AnalyticsService(events=event_documents.StoredEvent.get_motor_collection(),
                                   min_company_n=settings.min_company_n),
        live=live, ops=ops,
    )
    watch_live_state(_running)
    return _running


async def open_documents(settings: Settings) -> Store:
    """The configured store with Beanie initialised on every document: what a command
    that reads or writes documents without the running services needs."""
    connection = connect_configured(settings)
    try:
        store = await open_store(connection, settings.database, DOCUMENT_MODELS)
    except BaseException:
        connection.close()
        raise
    try:
        await merge_per_type_buckets(
            [b.get_motor_collection() for b in (stats_documents.DailyStat,
                                                 stats_documents.WeeklyStat)],
            leases=Leases(stats_documents.Lease.get_motor_collection()))
    except BaseException:
        store.close()
        raise
    return store


def retention(settings: Settings) -> list[tuple[type[Document], str, timedelta]]:
    """Each collection that expires, the field its TTL index counts from, and how long."""
    return [
        (event_documents.StoredEvent, "received_at", settings.raw_ttl),
        (event_documents.RejectedEvent, "received_at", timedelta(days=settings.rejected_ttl_days)),
        (event_documents.RejectionCount, "hour", timedelta(days=settings.rejected_ttl_days)),
        # A bucket's retention counts from the start of its period.
        (stats_documents.DailyStat, "starts_at", timedelta(days=settings.daily_ttl_days)),
        (stats_documents.WeeklyStat, "starts_at", timedelta(days=settings.weekly_ttl_days)),
        (stats_documents.JobRun, "started_at", timedelta(days=settings.job_runs_ttl_days)),
        # A session is owned while its events may still arrive and be stored.
        (access_documents.SessionOwner, "first_seen",
         settings.raw_ttl + timedelta(days=settings.max_past_days)),
    ]


async def ensure_retention(store: Store, settings: Settings) -> None:
    """Apply the configured TTLs; a changed setting takes effect here, at start, in place."""
    for document, field, ttl in retention(settings):
        await ensure_ttl_index(store.database[document.get_collection_name()], field, ttl)
