"""Erasure and access (seed 001's GDPR purge, seed 002's data-subject requests).

Erasing a player removes their raw and quarantined events, progress (with redemptions),
session ownerships, per-player statistics buckets and tokens, marks them erased (their
late events are dropped like an opted-out player's), and rebuilds the company and
global buckets of every day they touched through the statistics service, so no
aggregate counts them any more. A day whose raw events already expired cannot be
rebuilt: its buckets keep their totals, and the receipt names those days. It sweeps
twice, the second time once no process can still store the player's events (see
Erasure.erase), and answers after that.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pydantic_core

from questlog.access.documents import RateBucket
from questlog.access.gate import player_bucket
from questlog.access.players import PlayerFlags
from questlog.access.pseudonyms import Pseudonyms
from questlog.achievements import watermark
from questlog.achievements.documents import PLAYER_PROGRESS, WATERMARKS, unpacked
from questlog.clock import utcnow
from questlog.ingest.validation import to_millis
from questlog.stats.buckets import Owner
from questlog.stats.reads import owner_documents
from questlog.stats.service import StatsService
from questlog.store.types import MotorCollection, MotorDatabase

ERASE_JOB = "erase_player"
RECEIPTS = "erasure_receipts"
RATE_BUCKETS = RateBucket.Settings.name  # the shared rate limiter's


@dataclass(frozen=True)
class PlayerData:
    """Where a player's data lives: (collection, the field naming the player); and, for a
    collection that stores some of it packed, how its documents read in an export."""

    owned: list[tuple[str, str]] = field(default_factory=lambda: [
        ("events", "user_id"),
        (PLAYER_PROGRESS, "_id"),
        ("session_owners", "user_id"),
    ])
    buckets: tuple[str, ...] = ("daily_stats", "weekly_stats")
    readable: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = field(
        default_factory=lambda: {PLAYER_PROGRESS: unpacked})

    def also(self, collection: str, player_field: str) -> None:
        """Another part's per-player collection (the sessions and the learner's)."""
        if (collection, player_field) not in self.owned:
            self.owned.append((collection, player_field))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _buckets_of(
    collection: MotorCollection, user_id: str, projection: dict[str, Any] | None = None
) -> Any:
    """A cursor over the player's statistics documents (see stats.buckets)."""
    return owner_documents(collection, Owner("user", user_id=user_id), projection=projection)


def quarantine_filter(user_id: str) -> dict[str, Any]:
    """Rejected events keep the raw body: find the player's by the id in it."""
    quoted = re.escape(pydantic_core.to_json(user_id).decode())
    return {"raw": {"$regex": rf'"(user_id|userId)"\s*:\s*{quoted}'}}


@dataclass
class Sweep:
    """What one pass over the player's data removed, and the days their data touched."""

    removed: dict[str, int]
    days: set[date]


class Erasure:
    def __init__(
        self, *, database: MotorDatabase, stats: StatsService, flags: PlayerFlags,
        pseudonyms: Pseudonyms, settle_seconds: float, data: PlayerData | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._db, self._stats, self._flags = database, stats, flags
        self._pseudonyms, self._clock, self._sleep = pseudonyms, clock, sleep
        self.settle_seconds = settle_seconds
        self.data = data or PlayerData()

    async def erase(self, user_id: str) -> dict[str, Any]:
        """Remove the player `user_id` (as stored); answer and store the receipt. Idempotent:
        a second erasure removes nothing more and answers the first receipt, repeated.

        Answers only after a second sweep, `settle_seconds` after the first: until their
        caches learn of the erasure, other processes still accept the player's events,
        and a request that was accepted then writes within its deadline. What they
        stored (events, quarantined ones, sessions, progress, and what a rollup made
        of them) is gone when the erasure answers."""
        now = to_millis(self._clock())
        receipt_id = self._pseudonyms.receipt_hash(user_id)
        await self._flags.mark_erased(user_id, now)  # first: late events are dropped from now
        first = await self._sweep(user_id)
        await self._sleep(self.settle_seconds)
        late = await self._sweep(user_id)
        removed = {name: n + late.removed[name] for name, n in first.removed.items()}
        run = await self._stats.recompute(first.days | late.days, job=ERASE_JOB, source="api")
        previous = await self._db[RECEIPTS].find_one({"_id": receipt_id})
        if previous is not None and not any(removed.values()) and not run.days:
            return {**_public(previous), "repeated": True}
        receipt = {
            "_id": receipt_id, "player_hash": receipt_id, "erased_at": now, "removed": removed,
            "late_removed": sum(late.removed.values()),
            "second_sweep_after_seconds": self.settle_seconds,
            "recomputed_days": sorted(run.days), "kept_days": sorted(run.skipped_days),
            "note": _note(run.skipped_days, run.errors),
        }
        await self._db[RECEIPTS].replace_one({"_id": receipt_id}, receipt, upsert=True)
        return {**_public(receipt), "repeated": False}

    async def _sweep(self, user_id: str) -> Sweep:
        days = await self._days_touched(user_id)
        removed: dict[str, int] = {}
        # Only collections that exist: secantusd-rs answers a delete on a collection never
        # written with a storage error where MongoDB deletes nothing.
        existing = set(await self._db.list_collection_names())
        for collection, player_field in self.data.owned:
            if collection not in existing:
                removed[collection] = 0
                continue
            gone = await self._db[collection].delete_many({player_field: user_id})
            removed[collection] = gone.deleted_count
        gone = await self._db["rejected_events"].delete_many(quarantine_filter(user_id))
        removed["rejected_events"] = gone.deleted_count
        removed[RATE_BUCKETS] = 0  # the shared limiter's, which name the player in their ids
        if RATE_BUCKETS in existing:
            mine = {"_id": {"$regex": "^" + re.escape(player_bucket(user_id))}}
            removed[RATE_BUCKETS] = (await self._db[RATE_BUCKETS].delete_many(mine)).deleted_count
        for collection in self.data.buckets:
            ids = [d["_id"] async for d in _buckets_of(self._db[collection], user_id)]
            gone = await self._db[collection].delete_many({"_id": {"$in": ids}})
            removed[f"{collection} (per player)"] = gone.deleted_count
        if WATERMARKS in existing:  # the ids a stopped evaluator kept may name their events
            await watermark.forget_seen(self._db[WATERMARKS])
        await self._flags.changed()  # every process forgets the sessions it owned
        return Sweep(removed=removed, days=days)

    async def _days_touched(self, user_id: str) -> set[date]:
        calendar = self._stats.calendar
        days = {calendar.day_of(_utc(d["event_time"])) async for d in
                self._db["events"].find({"user_id": user_id}, {"event_time": 1})}
        days |= {date.fromisoformat(d["period_start"]) async for d in
                 _buckets_of(self._db["daily_stats"], user_id, {"period_start": 1})}
        return days

    async def export(self, user_id: str) -> AsyncIterator[bytes]:
        """Everything Questlog holds about the player, one JSON object per line."""
        now = self._clock()
        sources = [(c, {f: user_id}) for c, f in self.data.owned]
        sources += [("rejected_events", quarantine_filter(user_id)), ("player_flags",
                    {"_id": user_id})]
        yield self._line({"kind": "export", "user_id": self._outbound(user_id, now),
                          "exported_at": now})
        for collection, query in sources:
            read = self.data.readable.get(collection, _as_stored)
            async for document in self._db[collection].find(query):
                yield self._line({"kind": collection, **self._rekeyed(read(document), now)})
        for collection in self.data.buckets:
            async for document in _buckets_of(self._db[collection], user_id):
                yield self._line({"kind": collection, **self._rekeyed(document, now)})

    def _outbound(self, user_id: str, now: datetime) -> str:
        if not self._pseudonyms.enabled:
            return user_id
        return self._pseudonyms.outbound(user_id, at=now)

    def _rekeyed(self, document: dict[str, Any], now: datetime) -> dict[str, Any]:
        """With pseudonyms on, every stored id leaves re-keyed with the month's salt."""
        out: dict[str, Any] = self._pseudonyms.rekeyed(document, at=now)
        return {("id" if k == "_id" else k): v for k, v in out.items()}

    @staticmethod
    def _line(document: dict[str, Any]) -> bytes:
        return pydantic_core.to_json(document, fallback=str, bytes_mode="base64") + b"\n"


def _as_stored(document: dict[str, Any]) -> dict[str, Any]:
    return document


def _public(receipt: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in receipt.items() if k != "_id"}


def _note(kept: list[str], errors: list[str]) -> str:
    notes = []
    if kept:
        notes.append(f"{len(kept)} day(s) could not be recomputed (their raw events expired): "
                     "their company and global aggregates keep their totals")
    if errors:
        notes.append(f"{len(errors)} day(s) failed to recompute: run `questlog rollup` again")
    return "; ".join(notes)
