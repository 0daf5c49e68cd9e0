"""The evaluator: applies stored events to players' progress, exactly once, in order.

The store is the queue: the evaluator reads stored events of the types some rule
counts in EVALUATION_ORDER (arrival, then the order they happened) from its watermark
on (achievements.watermark: its own collection; the raw events are never written),
applies each player's share to that player's progress document in one atomic update,
and moves the watermark. The bus only wakes it up, so a dropped bus message, events
stored by another process and events left over by a crash are all picked up, at
start (the catch-up) or by the periodic settle pass.

Two kinds of pass. A quick pass (on every wake-up) reads what follows the last event
this process read. A settle pass (at start, then every SETTLE_EVERY) reads again from
`settled`, the ids first, so that an event that became visible late (see
watermark.SETTLE) is found; then `settled` moves to the pass's start less SETTLE.

Invariant: an event counts in a player's progress exactly when its id went into the
document's `applied` history in the same atomic update that counted it. Each update
requires the `version` it was computed from, so two evaluators (two processes) on one
player cannot interleave, and sets `through`, the order key of the newest event
applied. Events all after `through` cannot be in `applied`, so the common case reads
no `applied`; an event at or before it (read again by a settle pass, after a crash, or
by another process, or visible late) is checked against `applied` and skipped if there.
A batch's updates go in one unordered bulk write. `applied` keeps the last
KEEP_APPLIED ids: enough while fewer than that many events of one player arrive within
a settle window (watermark.SETTLE + SETTLE_EVERY).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, OperationFailure

from questlog.achievements import watermark
from questlog.achievements.book import Book
from questlog.achievements.documents import (
    EVALUATION_INDEX,
    EVALUATION_ORDER,
    PROGRESS_GUARD,
    WATERMARKS,
)
from questlog.achievements.rules import Outcome, apply_events
from questlog.clock import utcnow
from questlog.store.indexes import ensure_indexes
from questlog.store.types import MotorCollection
from questlog.tasks import cancel

log = logging.getLogger(__name__)

BATCH_SIZE = 2000  # events read at once: a player with several among them is written once
DUPLICATE_KEY = 11000
KEEP_APPLIED = 1000
SWEEP_SECONDS = 5.0
SETTLE_EVERY = timedelta(seconds=10)
MAX_BACKOFF_SECONDS = 30.0
PACE = 1.0  # the worker rests as long as the CPU time it used: evaluation takes at most ~1/2
# Players whose documents the evaluator keeps as it wrote them, the most recent: the
# active ones, whose documents it would otherwise read back before each of their updates.
CACHE_PLAYERS = 5_000
ORDER_KEYS = [name for name, _ in EVALUATION_ORDER]
# Named in every read: secantusd-rs's planner sorts a collection scan when the filter
# names a field the index lacks (type), where MongoDB walks the index in order.
EVALUATION_INDEX_NAME = EVALUATION_INDEX.document["name"]


def order_key(event: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(event[name] for name in ORDER_KEYS)


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
        watermarks: MotorCollection | None = None,
        clock: Callable[[], datetime] = utcnow, batch_size: int = BATCH_SIZE,
    ) -> None:
        self.book = book
        self._events, self._progress, self._clock = events, progress, clock
        self._watermarks = watermarks if watermarks is not None else events.database[WATERMARKS]
        self._batch_size = batch_size
        self._types = {"type": {"$in": sorted(book.event_types)}}
        self._lock = asyncio.Lock()
        self._wake, self._idle = asyncio.Event(), asyncio.Event()
        self._wake.set()  # the first pass is the catch-up
        self._task: asyncio.Task[None] | None = None
        # What this process read: the last event's order key, and the ids it applied (or
        # found applied) since `settled`, which a settle pass then need not fetch again.
        self._last: tuple[Any, ...] | None = None
        self._seen: dict[Any, datetime] = {}
        self._settled_at: datetime | None = None  # when this process last settled
        self._indexed = False
        self._transactions: bool | None = None  # whether the store has them, once asked
        # The players' documents as this process last wrote them (version, through,
        # achievements), the most recent last: see _documents.
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.stats = EvaluatorStats()

    async def start(self) -> None:
        await self._ensure_index()
        self._task = asyncio.create_task(self._run(), name="questlog-achievements")

    async def stop(self) -> None:
        """Stop at once: whatever is pending stays pending for the next start."""
        await cancel(self._task)
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
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel
            # that arrives as the wake-up does, and stop() would then wait forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SWEEP_SECONDS):
                    await self._wake.wait()
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

    async def evaluate_pending(self, *, pace: float = 0.0, settle: bool | None = None) -> int:
        """Apply every pending event; return how many were evaluated.

        A settle pass when `settle`, or (None) when this process has not settled for
        SETTLE_EVERY. With `pace`, rest after each batch `pace` times the CPU time the
        process spent meanwhile: evaluation shares the event loop with the requests.
        """
        async with self._lock:
            await self._ensure_index()
            now = self._clock()
            if settle is None:
                settle = self._settled_at is None or now - self._settled_at >= SETTLE_EVERY
            if settle:
                done = await self._settle(now, pace)
                self._settled_at = now
                return done
            return await self._quick(pace)

    async def _ensure_index(self) -> None:
        if not self._indexed:  # the reads name it; the updates' guard needs the other
            await ensure_indexes(self._events, [EVALUATION_INDEX])
            await ensure_indexes(self._progress, [PROGRESS_GUARD])
            self._indexed = True

    async def _quick(self, pace: float) -> int:
        """Evaluate what follows the last event this process read."""
        query: dict[str, Any] = dict(self._types)
        if self._last is not None:
            query["received_at"] = {"$gte": self._last[0]}
        last, done = self._last, 0
        cursor = self._events.find(query).sort(EVALUATION_ORDER).hint(EVALUATION_INDEX_NAME)
        async for batch in _batches(cursor, self._batch_size):
            fresh = [e for e in batch if last is None or order_key(e) > last]
            if fresh:
                done += await self._evaluate_paced(fresh, pace)
                last = self._last
        return done

    async def _settle(self, now: datetime, pace: float) -> int:
        """Read again from `settled`, fetch what this process has not applied, move on."""
        mark = await watermark.load(self._watermarks)
        settled = mark.get("settled")
        if settled is None:
            settled = await watermark.initial_settled(self._events)
        query: dict[str, Any] = dict(self._types)
        if settled is not None:
            query["received_at"] = {"$gte": settled}
        keys = dict.fromkeys(ORDER_KEYS, 1)
        unknown, last = [], None
        ids = self._events.find(query, keys).sort(EVALUATION_ORDER).hint(EVALUATION_INDEX_NAME)
        async for row in ids:
            last = order_key(row)
            if row["_id"] not in self._seen:
                unknown.append(row["_id"])
        done = 0
        for start in range(0, len(unknown), self._batch_size):
            chunk = unknown[start:start + self._batch_size]
            found = self._events.find({"_id": {"$in": chunk}}).sort(EVALUATION_ORDER)
            batch = [e async for e in found]
            if batch:
                done += await self._evaluate_paced(batch, pace)
        if last is not None and (self._last is None or last > self._last):
            self._last = last  # the quick passes go on from there
        new_settled = now - watermark.SETTLE
        if settled is None or new_settled > settled:
            await watermark.advance(self._watermarks, settled=new_settled)
            self._seen = {i: at for i, at in self._seen.items() if at >= new_settled}
        return done

    async def _evaluate_paced(self, batch: list[dict[str, Any]], pace: float) -> int:
        started = time.process_time()
        await self._evaluate(batch)
        await asyncio.sleep(pace * (time.process_time() - started))
        return len(batch)

    async def lag(self) -> Lag:
        mark = await watermark.load(self._watermarks)
        pending_query: dict[str, Any] = dict(self._types)
        head = mark.get("head")
        if head is not None:
            pending_query["received_at"] = {"$gt": head}
        pending = await self._events.count_documents(pending_query)
        oldest = await self._events.find_one(
            pending_query, {"received_at": 1}, sort=EVALUATION_ORDER
        )
        since = oldest["received_at"] if oldest else None
        age = (self._clock() - since).total_seconds() if since else 0.0
        return Lag(pending, since, max(age, 0.0), EvaluatorStats(**vars(self.stats)))

    async def _evaluate(self, batch: Sequence[dict[str, Any]]) -> None:
        players: dict[str, list[dict[str, Any]]] = {}
        for event in batch:
            if event.get("user_id") is not None:
                players.setdefault(event["user_id"], []).append(event)
        docs = await self._documents(players, with_applied=False)
        while players:
            refused = await self._apply(players, docs)
            self.stats.conflicts += len(refused)
            players = {user: players[user] for user in refused}
            if players:  # recompute them from their documents as they are now
                docs = await self._documents(players, with_applied=True)
        for event in batch:
            self._seen[event["_id"]] = event["received_at"]
        newest = max(batch, key=order_key)
        if self._last is None or order_key(newest) > self._last:
            self._last = order_key(newest)
        await watermark.advance(self._watermarks, head=newest["received_at"])
        self.stats.evaluated += len(batch)

    async def _documents(
        self, players: dict[str, list[dict[str, Any]]], *, with_applied: bool
    ) -> dict[str, dict[str, Any]]:
        """The players' documents; with `applied` for those who may hold some of the events
        already (an event not after the document's `through`), or for all.

        Without `applied`, a player this process wrote last comes from its cache: the
        document as that write left it (the version guard refuses the update computed
        from it if any other writer, which bumps the version, came between; the player
        is then read again)."""
        docs: dict[str, dict[str, Any]] = {}
        if with_applied:
            for user in players:
                self._cache.pop(user, None)
        else:
            for user in players:
                cached = self._cache.get(user)
                if cached is not None:
                    docs[user] = cached
                    self._cache.move_to_end(user)
        missing = [user for user in players if user not in docs]
        if missing:
            projection = None if with_applied else {"applied": 0}
            async for doc in self._progress.find({"_id": {"$in": missing}}, projection):
                docs[doc["_id"]] = doc
        again = [user for user, doc in docs.items() if "applied" not in doc
                 and not _all_after(players[user], doc.get("through"))]
        if again:
            async for doc in self._progress.find({"_id": {"$in": again}}):
                docs[doc["_id"]] = doc
        return docs

    async def _apply(
        self, players: dict[str, list[dict[str, Any]]], docs: dict[str, dict[str, Any]]
    ) -> set[str]:
        """Every player's update in one unordered bulk write; the players it refused.

        Each update is an upsert guarded by the version it was computed from: when the
        guard does not match an existing document, the upsert's insert fails on _id, so
        the refused updates are exactly the bulk's duplicate-key errors, by index."""
        users, requests, unlocks = [], [], []
        written: list[dict[str, Any]] = []
        for user_id, events in players.items():
            doc = docs.get(user_id)
            if doc is not None and "applied" in doc:
                applied = set(doc["applied"])
                events = [e for e in events if e["_id"] not in applied]
                if not events:
                    continue
            version = doc["version"] if doc else 0
            outcome = apply_events(self.book, (doc or {}).get("achievements", {}), events)
            users.append(user_id)
            through = _through(events, (doc or {}).get("through"))
            requests.append(_update(user_id, version, events, outcome, through))
            unlocks.append(sum(u.count for u in outcome.unlocks))
            written.append({"_id": user_id, "version": version + 1, "through": through,
                            "achievements": {**(doc or {}).get("achievements", {}),
                                             **outcome.changed}})
        if not requests:
            return set()
        for user in users:  # whatever the write's fate, until it is known
            self._cache.pop(user, None)
        failed = await self._write(requests)
        self.stats.unlocks += sum(n for i, n in enumerate(unlocks) if i not in failed)
        for index, doc in enumerate(written):
            if index not in failed:
                self._cache[doc["_id"]] = doc
        while len(self._cache) > CACHE_PLAYERS:
            self._cache.popitem(last=False)
        return {users[i] for i in failed}


    async def _write(self, requests: list[UpdateOne]) -> set[int]:
        """Write the updates; the indexes of those the guard refused.

        Where the server has transactions, the bulk goes in one: one commit instead of
        one per player (secantusd-rs commits, and syncs, every statement of a bulk on
        its own). A guard that refuses one aborts it, nothing written: the bulk is then
        written again without one, which tells the refused updates apart."""
        if await self._has_transactions():
            client = self._progress.database.client
            try:
                async with (await client.start_session() as session,
                            session.start_transaction(write_concern=self._progress.write_concern)):
                    await self._progress.bulk_write(requests, ordered=False, session=session)
                return set()
            except OperationFailure as exc:
                if not _refused(exc):
                    raise
        try:
            await self._progress.bulk_write(requests, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            return {e["index"] for e in errors}
        return set()

    async def _has_transactions(self) -> bool:
        if self._transactions is None:
            client = self._progress.database.client
            # type(), since mongomock-motor's classes pass isinstance checks for Motor's
            if not issubclass(type(client), AsyncIOMotorClient):
                self._transactions = False
            else:
                hello = await client.admin.command("hello")
                self._transactions = bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"
        return self._transactions


def _refused(exc: OperationFailure) -> bool:
    """A guard's duplicate key, or another writer's conflict, aborted the transaction."""
    if isinstance(exc, BulkWriteError):
        errors = exc.details.get("writeErrors", [])
        return bool(errors) and all(e.get("code") == DUPLICATE_KEY for e in errors)
    return exc.has_error_label("TransientTransactionError")


def _all_after(events: list[dict[str, Any]], through: list[Any] | None) -> bool:
    """Whether every event comes after `through` (then none can have been applied: every
    applied event is at or before it). A document without one is older than it: no."""
    if through is None:
        return False
    last = tuple(through)
    return all(order_key(e) > last for e in events)


def _through(events: list[dict[str, Any]], through: list[Any] | None) -> list[Any]:
    """The order key of the newest event applied once `events` are."""
    newest = max(order_key(e) for e in events)
    if through is not None and tuple(through) > newest:
        newest = tuple(through)
    return list(newest)


def _update(
    user_id: str, version: int, events: list[dict[str, Any]], outcome: Outcome,
    through: list[Any],
) -> UpdateOne:
    """One player's atomic update, refused unless the document is still at `version`."""
    ids = [e["_id"] for e in events]
    update: dict[str, Any] = {
        "$inc": {"version": 1},
        "$push": {"applied": {"$each": ids, "$slice": -KEEP_APPLIED}},
        "$max": {"last_event_at": max(e["event_time"] for e in events)},
        "$set": {"through": through},
    }
    if outcome.changed:
        update["$set"].update({f"achievements.{aid}": e for aid, e in outcome.changed.items()})
    unlocked = [aid for aid, entry in outcome.changed.items() if entry.get("reached")]
    if unlocked:
        update["$addToSet"] = {"unlocked": {"$each": unlocked}}
    # Only fields of the (_id, version) index: secantusd-rs scans the collection for a
    # filter naming any other field, even beside _id.
    return UpdateOne({"_id": user_id, "version": version}, update, upsert=True)


async def _batches(
    cursor: AsyncIterable[dict[str, Any]], size: int
) -> AsyncIterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    async for document in cursor:
        batch.append(document)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
