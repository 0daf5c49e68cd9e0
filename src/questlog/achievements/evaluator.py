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
`settled`, so that an event that became visible late (see watermark.SETTLE) is found:
the ids alone up to the newest event this process has seen, or a stopped one kept (see
watermark.keep_seen), fetching whole only those it has not, and the events after that
whole (all of them whole when it has seen none there, as at a start after a crash);
then `settled` moves to the pass's start less SETTLE.

Each player's share of a batch is applied by achievements.player_updates, whose
docstring states the invariant that makes it exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from bson.errors import BSONError
from pymongo.errors import PyMongoError

from questlog.achievements import watermark
from questlog.achievements.book import Book
from questlog.achievements.documents import (
    EVALUATION_INDEX,
    EVALUATION_ORDER,
    PROGRESS_GUARD,
    WATERMARKS,
)
from questlog.achievements.player_updates import ORDER_KEYS, PlayerUpdates, order_key
from questlog.clock import utcnow
from questlog.store.indexes import ensure_indexes
from questlog.store.naive import in_utc, plain
from questlog.store.types import MotorCollection, on_a_server
from questlog.tasks import cancel, started, stopped

log = logging.getLogger(__name__)

BATCH_SIZE = 5000  # events read at once: a player with several among them is written once
SWEEP_SECONDS = 5.0
SETTLE_EVERY = timedelta(seconds=10)
MAX_BACKOFF_SECONDS = 30.0
# A read that ends early waits this long for its batch in flight; a stop, as long for
# the write of the ids it keeps (watermark.keep_seen).
READ_WAIT_SECONDS = 5.0
# While the process is also storing events, the worker rests after each batch as long as
# the CPU time the batch took: evaluation then takes at most about half of the process.
PACE = 1.0
# Named in every read: secantusd-rs's planner sorts a collection scan when the filter
# names a field the index lacks (type), where MongoDB walks the index in order; and the
# walk's order is the evaluation order (see _read).
EVALUATION_INDEX_NAME = EVALUATION_INDEX.document["name"]
# The datetimes of an event the evaluator reads, its order's (EVALUATION_ORDER): read
# naive, made UTC again (_aware). The rules read no other (a definition may name only a
# string, number or boolean field), so the event's other timestamps (occurred_at,
# sent_at...) stay naive: making them UTC too was a third of the reading's own CPU.
STAMPED = tuple(name for name in ORDER_KEYS if name != "_id")


@dataclass
class EvaluatorStats:
    evaluated: int = 0
    unlocks: int = 0
    conflicts: int = 0  # updates refused by the guard, then recomputed
    failures: int = 0
    last_error: str | None = None
    # Wall seconds of the passes that applied events, from their first read to their
    # end: evaluated / busy_seconds is the evaluator's own rate.
    busy_seconds: float = 0.0


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
        # The events are read with naive datetimes, then those it reads (STAMPED) made
        # aware by _aware: pymongo's own tz-aware decoding converts each datetime to the
        # client's tzinfo through Python calls (6.4-7.1 µs an event of the benchmark
        # against 4.8-5.4 this way, with every datetime made aware).
        self._reads = plain(events)
        # A server walks the hinted index in its order (see _read); the memory store
        # ignores hints, and answers in the order it holds the events.
        self._orders = (False, True) if on_a_server(events) else (True,)
        self._watermarks = watermarks if watermarks is not None else events.database[WATERMARKS]
        self._batch_size = batch_size
        self._types = {"type": {"$in": sorted(book.event_types)}}
        self._lock = asyncio.Lock()
        self._wake, self._idle = asyncio.Event(), asyncio.Event()
        self._wake.set()  # the first pass is the catch-up
        self._task: asyncio.Task[None] | None = None
        # What this process read: the last event's order key, and the ids it applied (or
        # found applied) since `settled`, with those a stopped process kept (taken at the
        # first pass), which a settle pass then need not fetch again.
        self._last: tuple[Any, ...] | None = None
        self._seen: dict[Any, datetime] = {}
        self._settled_at: datetime | None = None  # when this process last settled
        self._prepared = False
        self._players = PlayerUpdates(book=book, progress=progress)
        self.stats = EvaluatorStats()

    async def start(self) -> None:
        await self._prepare()
        self._task = asyncio.create_task(self._run(), name="questlog-achievements")

    async def stop(self) -> None:
        """Stop the passes at once: whatever is pending stays pending for the next start.
        Then keep the ids applied in the settle window (watermark.keep_seen, for at most
        READ_WAIT_SECONDS), so that the next start need not read them whole again."""
        await cancel(self._task)
        self._task = None
        try:  # bounded: a store that does not answer must not hold up the stop
            async with asyncio.timeout(READ_WAIT_SECONDS):
                await watermark.keep_seen(self._watermarks, self._seen)
        except (PyMongoError, BSONError, TimeoutError) as exc:
            log.warning("could not keep the evaluator's applied ids for the next start "
                        "(it reads the settle window again whole): %r", exc)

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
        SETTLE_EVERY. With `pace`, rest after each batch during which this process stored
        events `pace` times the CPU time the process spent meanwhile: evaluation shares
        the event loop with the requests, and ingestion comes first.
        """
        async with self._lock:
            await self._prepare()
            started, now = time.perf_counter(), self._clock()
            if settle is None:
                settle = self._settled_at is None or now - self._settled_at >= SETTLE_EVERY
            if settle:
                done = await self._settle(now, pace)
                self._settled_at = now
            else:
                done = await self._quick(pace)
            if done:
                self.stats.busy_seconds += time.perf_counter() - started
            return done

    async def _prepare(self) -> None:
        if not self._prepared:  # the reads name the index; the updates' guard needs the other
            await ensure_indexes(self._events, [EVALUATION_INDEX])
            await ensure_indexes(self._progress, [PROGRESS_GUARD])
            await self._players.prepare()
            self._seen = await watermark.take_seen(self._watermarks) | self._seen
            self._prepared = True

    async def _quick(self, pace: float) -> int:
        """Evaluate what follows the last event this process read."""
        query: dict[str, Any] = dict(self._types)
        if self._last is not None:
            query["received_at"] = {"$gte": self._last[0]}
        return await self._read(query, pace, after=self._last)

    async def _read(self, query: dict[str, Any], pace: float,
                    after: tuple[Any, ...] | None = None,
                    ahead: asyncio.Future[int] | None = None) -> int:
        """Evaluate the events `query` finds, in order, those after `after` only; `ahead`
        (what evaluates other events, already under way) first: it is awaited when the
        read's first batch comes, or when the read comes empty.

        They are read as the hinted walk of the evaluation index returns them, which is
        already the order, without asking the server to sort: secantusd-rs sorts the
        whole result in memory before its first batch even then (40 ms of the 10,000
        events of a restart's pass). Each batch is checked: should a server answer one out
        of order, everything is read again with the server sorting; the events applied
        meanwhile are then found applied (player_updates), as a settle pass finds them.
        The memory store, which ignores hints, sorts from the start."""
        done = 0
        for server_sorts in self._orders:
            cursor = self._reads.find(query).hint(EVALUATION_INDEX_NAME)
            if server_sorts:
                cursor = cursor.sort(EVALUATION_ORDER)
            evaluated, whole = await self._evaluate_read(cursor, pace, after, ahead,
                                                         checked=not server_sorts)
            done, ahead = done + evaluated, None  # taken by the first read
            if whole:
                break
            log.warning("the store answered the evaluation index out of its order: "
                        "reading again, sorted")
        return done

    async def _evaluate_read(self, cursor: Any, pace: float, after: tuple[Any, ...] | None,
                             ahead: asyncio.Future[int] | None, *, checked: bool
                             ) -> tuple[int, bool]:
        """Evaluate `ahead` (see _read), then the events of `cursor` after `after`,
        stopping `checked` at the first batch out of evaluation order: how many it
        evaluated, and whether it read all."""
        done, previous = 0, None  # previous: the last key read
        async with contextlib.aclosing(_batches(cursor, self._batch_size)) as batches:
            async for batch in batches:
                if ahead is not None:
                    done += await ahead
                    ahead = None
                keys = [order_key(e) for e in batch]
                if checked and not _in_order(keys, previous):
                    return done, False
                previous = keys[-1]
                fresh = [e for e, key in zip(batch, keys, strict=True)
                         if after is None or key > after]
                if fresh:
                    done += await self._evaluate_paced(fresh, pace)
        return done + (await ahead if ahead is not None else 0), True

    async def _settle(self, now: datetime, pace: float) -> int:
        """Read again from `settled`, fetch what this process has not applied, move on."""
        mark = await watermark.load(self._watermarks)
        settled = mark.get("settled")
        if settled is None:
            settled = await watermark.initial_settled(self._events)
        query: dict[str, Any] = dict(self._types)
        if settled is not None:
            query["received_at"] = {"$gte": settled}
            # What this process saw before `settled` (or a stopped one kept) is behind
            # every read from now on: forgotten, once a pass.
            self._seen = {i: at for i, at in self._seen.items() if at >= settled}
        if self._seen:
            done = await self._fetch_unseen(query, pace)
        else:  # at a start that found nothing kept (see watermark), or after a quiet
            # window: every event there is new to this process
            done = await self._read(query, pace)
        if self._last is None and settled is not None:
            # Nothing since `settled`: the quick passes go on from there, not from the
            # first event stored (which would read the whole retention again).
            self._last = (settled,)
        new_settled = now - watermark.SETTLE
        if settled is None or new_settled > settled:
            await watermark.advance(self._watermarks, settled=new_settled)
        return done

    async def _fetch_unseen(self, query: dict[str, Any], pace: float) -> int:
        """Up to the newest event this process has seen, the ids, then whole only the
        events it has not seen; after it, the events whole. The two reads go at once:
        the server finds the events after while it walks the ids (two of its threads,
        where one after the other the process would wait for each)."""
        bound = max(self._seen.values())
        window = {**query, "received_at": {**query.get("received_at", {}), "$lte": bound}}
        unseen = await started(self._evaluate_unseen(window, pace))
        try:
            return await self._read({**query, "received_at": {"$gt": bound}}, pace,
                                    ahead=unseen)
        finally:
            await stopped([unseen])  # taken by the read, unless it failed first

    async def _evaluate_unseen(self, window: dict[str, Any], pace: float) -> int:
        """Evaluate the events of `window` this process has not seen: their ids first."""
        unknown, last = [], None
        ids = self._reads.find(window, dict.fromkeys(ORDER_KEYS, 1))
        async for row in ids.hint(EVALUATION_INDEX_NAME):  # in any order: sorted here
            key = order_key(_aware(row))
            if row["_id"] not in self._seen:
                unknown.append(key)
            if last is None or key > last:
                last = key
        unknown.sort()
        done = 0
        for start in range(0, len(unknown), self._batch_size):
            chunk = [key[-1] for key in unknown[start:start + self._batch_size]]
            found = self._reads.find({"_id": {"$in": chunk}}).sort(EVALUATION_ORDER)
            batch = [_aware(e) async for e in found]
            if batch:
                done += await self._evaluate_paced(batch, pace)
        if last is not None and (self._last is None or last > self._last):
            self._last = last  # the quick passes go on from there
        return done

    async def _evaluate_paced(self, batch: list[dict[str, Any]], pace: float) -> int:
        started = time.process_time()
        await self._evaluate(batch)
        if self._wake.is_set():  # this process stored events meanwhile: leave it room
            await asyncio.sleep(pace * (time.process_time() - started))
        return len(batch)

    async def lag(self) -> Lag:
        mark = await watermark.load(self._watermarks)
        pending_query: dict[str, Any] = dict(self._types)
        head = mark.get("head")
        if head is not None:
            pending_query["received_at"] = {"$gt": head}
        # Both figures in one pass over the events: the status is polled while the
        # evaluator works, and a count then a sorted find_one (a scan, then a scan and a
        # sort on secantusd-rs) cost the server three times as much, beside the pass.
        pending, since = 0, None
        async for found in self._events.aggregate([
            {"$match": pending_query},
            {"$group": {"_id": None, "pending": {"$sum": 1},
                        "oldest": {"$min": "$received_at"}}},
        ]):
            pending, since = found["pending"], found["oldest"]
        age = (self._clock() - since).total_seconds() if since else 0.0
        return Lag(pending, since, max(age, 0.0), EvaluatorStats(**vars(self.stats)))

    async def _evaluate(self, batch: Sequence[dict[str, Any]]) -> None:
        applied = await self._players.apply(batch)
        self.stats.unlocks += applied.unlocks
        self.stats.conflicts += applied.conflicts
        for event in batch:
            self._seen[event["_id"]] = event["received_at"]
        newest = batch[-1]  # every batch is read in evaluation order
        if self._last is None or order_key(newest) > self._last:
            self._last = order_key(newest)
        await watermark.advance(self._watermarks, head=newest["received_at"])
        self.stats.evaluated += len(batch)


async def _batches(cursor: Any, size: int) -> AsyncGenerator[list[dict[str, Any]], None]:
    """The events of `cursor` (read naive), their STAMPED datetimes made aware, `size`
    at a time, each read while the one before is evaluated: the server finds the next
    batch while the rules run. Taken from the cursor a batch at once (to_list), which
    costs Motor one step per batch where iterating costs it one per event."""
    reading = asyncio.ensure_future(cursor.batch_size(size).to_list(length=size))
    try:
        while documents := await reading:
            reading = asyncio.ensure_future(cursor.to_list(length=size))
            # mongomock-motor's to_list ignores the length: cut here too.
            for start in range(0, len(documents), size):
                yield [_aware(document) for document in documents[start:start + size]]
    finally:
        # The read in flight runs in Motor's thread, which a close must not meet halfway:
        # it ends first (one batch at most), its outcome dropped. A store that does not
        # answer within READ_WAIT_SECONDS keeps the cursor until its own timeout, as it
        # would after a failed close: the close only spares it that.
        ended, _ = await asyncio.wait([reading], timeout=READ_WAIT_SECONDS)
        if not ended:
            reading.cancel()
        else:
            if not reading.cancelled():
                reading.exception()  # retrieved, so never logged as lost
            with contextlib.suppress(PyMongoError):
                await cursor.close()


def _in_order(keys: list[tuple[Any, ...]], previous: tuple[Any, ...] | None) -> bool:
    """Whether `keys` follow `previous` (if any) and each other in evaluation order."""
    if previous is not None and keys[0] < previous:
        return False
    return all(a <= b for a, b in pairwise(keys))


def _aware(event: dict[str, Any]) -> dict[str, Any]:
    """`event` as read naive, the datetimes the evaluator reads (STAMPED) in UTC as the
    rest of Questlog holds them (already, from the memory store)."""
    for name in STAMPED:
        moment = event.get(name)
        if moment is not None and moment.tzinfo is None:
            event[name] = in_utc(moment)
    return event
