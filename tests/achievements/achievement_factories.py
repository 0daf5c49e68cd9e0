"""Builders of the achievement tests: definitions, stored events, a fresh in-memory store."""

from __future__ import annotations

import asyncio
import inspect
import itertools
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from mongomock_motor import AsyncMongoMockClient
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from questlog.achievements.book import Book
from questlog.achievements.definitions import parse_definitions
from questlog.achievements.documents import EVALUATION_ORDER, entries_of
from questlog.achievements.rules import Entry, apply_events
from questlog.settings import Settings

# A Monday at noon UTC; MongoDB keeps milliseconds, so no microseconds anywhere.
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

_ids = itertools.count()


def book(*achievements: dict[str, Any]) -> Book:
    return Book.of(parse_definitions({"achievements": list(achievements)}, source="test"))


def stored(
    event_type: str, *, user: str | None = "p1", at: datetime = T0, event_id: str | None = None,
    received_at: datetime | None = None, **fields: Any,
) -> dict[str, Any]:
    """An event as the store holds it: `at` is its (corrected) occurred_at and event_time."""
    return {
        "_id": event_id or f"e{next(_ids):05d}", "type": event_type, "schema_version": 1,
        "user_id": user, "company_id": None, "occurred_at": at,
        "received_at": received_at or at + timedelta(seconds=5), "event_time": at,
        "ingest_id": "test", **fields,
    }


def vote(*, bill: str = "bill-1", stance: str = "yea", **kw: Any) -> dict[str, Any]:
    return stored("BILL_VOTE", bill_id=bill, stance=stance, seat_weight=1.0,
                  lobby_payments_count=0, **kw)


def lobby(*, spend: float = 10.0, success: bool = True, tier: int = 1,
          **kw: Any) -> dict[str, Any]:
    return stored("LOBBY_ATTEMPT", spend=spend, success=success, difficulty_tier=tier,
                  breakdown={}, **kw)


def fold(definitions: Book, events: Iterable[dict[str, Any]]) -> dict[str, Entry]:
    """One player's entries computed from nothing, in one pass."""
    return apply_events(definitions, {}, events).changed


def recomputed(definitions: Book, events: Iterable[dict[str, Any]]) -> dict[str, dict[str, Entry]]:
    """Every player's entries recomputed from `events` in the evaluator's order."""
    keys = [k for k, _ in EVALUATION_ORDER]
    ordered = sorted(events, key=lambda e: tuple(e[k] for k in keys))
    players: dict[str, list[dict[str, Any]]] = {}
    for event in ordered:
        if event["user_id"] is not None:
            players.setdefault(event["user_id"], []).append(event)
    progress = {user: fold(definitions, evs) for user, evs in players.items()}
    return {user: entries for user, entries in progress.items() if entries}


class Interleaved:
    """A collection whose every awaited call first lets the other tasks run, as a round trip
    to a server does; mongomock answers without ever yielding, which hides races."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._real, name)
        if not inspect.iscoroutinefunction(method):
            return method

        async def call(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0)
            return await method(*args, **kwargs)

        return call


def fresh_database() -> AsyncIOMotorDatabase:
    return AsyncMongoMockClient(tz_aware=True)[f"achievements_{next(_ids)}"]


@asynccontextmanager
async def server_database(settings: Settings, name: str, **options: Any
                          ) -> AsyncIterator[AsyncIOMotorDatabase]:
    """A database of the test's own on the real-server tier's server (a client with
    `options`), empty at the start and dropped at the end."""
    client: AsyncIOMotorClient = AsyncIOMotorClient(settings.mongodb_url, tz_aware=True,
                                                    **options)
    database = client[f"{settings.database}_{name}"]
    try:
        await client.drop_database(database.name)
        yield database
    finally:
        await client.drop_database(database.name)
        client.close()


async def progress_of(database: AsyncIOMotorDatabase) -> dict[str, dict[str, Entry]]:
    """The stored entries of every player, as recomputed() gives them."""
    cursor = database["player_progress"].find({})
    return {doc["_id"]: entries async for doc in cursor if (entries := entries_of(doc))}


async def as_earlier_version(database: AsyncIOMotorDatabase) -> None:
    """Every player's entries stored as versions before packing stored them: a plain map."""
    progress = database["player_progress"]
    async for doc in progress.find({"achievements": {"$exists": True}}):
        await progress.update_one({"_id": doc["_id"]},
                                  {"$set": {"achievements": entries_of(doc)}})
