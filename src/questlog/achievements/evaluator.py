"""The evaluator: applies stored events to players' progress, exactly once, in order.

The store is the queue. A stored event of a type some rule counts, without
`evaluated_at`, is pending; the evaluator takes pending events oldest first
(EVALUATION_ORDER), applies each player's share to that player's progress document
in one atomic update, then marks the batch evaluated. The bus only wakes it up, so a
dropped bus message, events stored by another process and events left over by a
crash are all picked up, at start (the catch-up) or by the periodic sweep.

Invariant: an event counts in a player's progress exactly when its id went into the
document's `applied` history in the same atomic update that counted it, and it is
marked evaluated only after that update. So whenever the process dies:
- before the player's update: nothing counted, nothing marked; it is applied later;
- after the update, before the mark: it is pending again after the restart, but the
  update's guard (`applied: {$nin: ids}`) refuses it, the reload finds its id in
  `applied`, and it is only marked;
- after the mark: done.
An update also requires the `version` it was computed from, so two evaluators (two
processes) on one player cannot interleave. `applied` keeps the last KEEP_APPLIED ids:
enough while fewer than that many events of one player can be applied but unmarked,
that is BATCH_SIZE per evaluator process, so up to KEEP_APPLIED // BATCH_SIZE processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from questlog.achievements.documents import EVALUATION_ORDER, EVALUATION_QUEUE
from questlog.achievements.rules import Book, Outcome, apply_events
from questlog.clock import utcnow
from questlog.store.indexes import ensure_indexes
from questlog.store.types import MotorCollection

log = logging.getLogger(__name__)

BATCH_SIZE = 200
KEEP_APPLIED = 1000
SWEEP_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 30.0
PACE = 2.0  # the worker rests twice the CPU time it used: evaluation takes at most ~1/3


@dataclass
class EvaluatorStats:
    evaluated: int = 0
    unlocks: int = 0
    conflicts: int = 0  # updates refused by the guard, then recomputed
    failures: int = 0
    last_error: str | None = None


@dataclass(frozen=True)
class Lag:
    pending: int
    oldest_pending_received_at: datetime | None
    lag_seconds: float
    stats: EvaluatorStats = field(default_factory=EvaluatorStats)


class Evaluator:
    def __init__(
        self, *, book: Book, events: MotorCollection, progress: MotorCollection,
        clock: Callable[[], datetime] = utcnow, batch_size: int = BATCH_SIZE,
    ) -> None:
        self.book = book
        self._events, self._progress, self._clock = events, progress, clock
        self._batch_size = batch_size
        self._pending = {"evaluated_at": None, "type": {"$in": sorted(book.event_types)}}
        self._lock = asyncio.Lock()
        self._wake, self._idle = asyncio.Event(), asyncio.Event()
        self._wake.set()  # the first pass is the catch-up
        self._task: asyncio.Task[None] | None = None
        self.stats = EvaluatorStats()

    async def start(self) -> None:
        await ensure_indexes(self._events, [EVALUATION_QUEUE])
        self._task = asyncio.create_task(self._run(), name="questlog-achievements")

    async def stop(self) -> None:
        """Stop at once: whatever is pending stays pending for the next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self) -> None:
        """Wait until the evaluator has applied everything it was woken for."""
        await self._idle.wait()

    async def _run(self) -> None:
        backoff = 1.0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), SWEEP_SECONDS)
            self._wake.clear()
            try:
                await self.evaluate_pending(pace=PACE)
            except Exception as exc:  # the store is down, or a bug: the events stay pending
                self.stats.failures += 1
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("achievement evaluation failed; retrying in %.0fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                self._wake.set()
                continue
            backoff = 1.0
            if not self._wake.is_set():
                self._idle.set()

    async def evaluate_pending(self, *, pace: float = 0.0) -> int:
        """Apply every pending event; return how many were evaluated.

        With `pace`, rest after each batch `pace` times the CPU time the process spent
        meanwhile: evaluation shares the event loop with the requests, and on a store
        that answers on the loop itself (the embedded one) or under heavy ingestion it
        must leave them most of it. Against MongoDB a batch mostly waits, so it rests little.
        """
        done = 0
        async with self._lock:
            while True:
                started = time.process_time()
                batch = await self._next_batch()
                if not batch:
                    return done
                await self._evaluate(batch)
                done += len(batch)
                await asyncio.sleep(pace * (time.process_time() - started))

    async def lag(self) -> Lag:
        pending = await self._events.count_documents(self._pending)
        oldest = await self._events.find_one(
            self._pending, {"received_at": 1}, sort=EVALUATION_ORDER
        )
        since = oldest["received_at"] if oldest else None
        age = (self._clock() - since).total_seconds() if since else 0.0
        return Lag(pending, since, max(age, 0.0), EvaluatorStats(**vars(self.stats)))

    async def _next_batch(self) -> list[dict[str, Any]]:
        cursor = self._events.find(self._pending).sort(EVALUATION_ORDER).limit(self._batch_size)
        return [doc async for doc in cursor]

    async def _evaluate(self, batch: Sequence[dict[str, Any]]) -> None:
        players: dict[str, list[dict[str, Any]]] = {}
        for event in batch:
            if event.get("user_id") is not None:
                players.setdefault(event["user_id"], []).append(event)
        # The common case reads no `applied`: the update's guard checks it on the server.
        cursor = self._progress.find({"_id": {"$in": list(players)}}, {"applied": 0})
        docs = {doc["_id"]: doc async for doc in cursor}
        for user_id, events in players.items():
            await self._apply(user_id, events, docs.get(user_id))
        # evaluated_at first: a store that scans (the embedded one) then skips evaluated
        # events without reading the id list; MongoDB goes by _id either way.
        await self._events.update_many(
            {"evaluated_at": None, "_id": {"$in": [e["_id"] for e in batch]}},
            {"$set": {"evaluated_at": self._clock()}},
        )
        self.stats.evaluated += len(batch)

    async def _apply(
        self, user_id: str, events: list[dict[str, Any]], doc: dict[str, Any] | None
    ) -> None:
        while True:
            if doc is not None and "applied" in doc:
                applied = set(doc["applied"])
                events = [e for e in events if e["_id"] not in applied]
                if not events:
                    return
            version = doc["version"] if doc else 0
            outcome = apply_events(self.book, (doc or {}).get("achievements", {}), events)
            if await self._write(user_id, version, events, outcome):
                self.stats.unlocks += sum(u.count for u in outcome.unlocks)
                return
            self.stats.conflicts += 1
            doc = await self._progress.find_one({"_id": user_id})

    async def _write(
        self, user_id: str, version: int, events: list[dict[str, Any]], outcome: Outcome
    ) -> bool:
        """One atomic update; False when the guard refused it (stale version, or applied)."""
        ids = [e["_id"] for e in events]
        update: dict[str, Any] = {
            "$inc": {"version": 1},
            "$push": {"applied": {"$each": ids, "$slice": -KEEP_APPLIED}},
            "$max": {"last_event_at": max(e["event_time"] for e in events)},
        }
        if outcome.changed:
            update["$set"] = {f"achievements.{aid}": e for aid, e in outcome.changed.items()}
        unlocked = [aid for aid, entry in outcome.changed.items() if entry.get("reached")]
        if unlocked:
            update["$addToSet"] = {"unlocked": {"$each": unlocked}}
        guard = {"_id": user_id, "version": version, "applied": {"$nin": ids}}
        try:
            # A new player's document is created by the first update (version 0); if another
            # evaluator created it meanwhile, the insert fails on _id and we recompute.
            result = await self._progress.update_one(guard, update, upsert=version == 0)
        except DuplicateKeyError:
            return False
        return result.matched_count == 1 or result.upserted_id is not None
