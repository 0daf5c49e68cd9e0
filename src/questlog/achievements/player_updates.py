"""A batch of events applied to the players' progress documents: one guarded update each.

Invariant: an event counts in a player's progress exactly when its id went into the
document's `applied` history in the same atomic update that counted it. Each update
requires the `version` it was computed from, so two evaluators (two processes) on one
player cannot interleave, and sets `through`, the order key of the newest event
applied. Events all after `through` cannot be in `applied`, so the common case checks
no `applied` (nor reads it, for a player this process wrote last); an event at or before
it (read again by a settle pass, after a crash, or by another process, or visible late)
is checked against `applied` and skipped if there.
`applied` keeps the last KEEP_APPLIED ids: enough while fewer than that many events of
one player arrive within a settle window (watermark.SETTLE + evaluator.SETTLE_EVERY).
Only an update computed from no document (version 0) may create one: an update computed
from a document that is gone since (an erasure deleted it) matches nothing, so a
player's progress never comes back from what this process kept of it.

The updates of a batch are written in chunks of CHUNK_PLAYERS players, one transaction
each where the server has them. A chunk's write is begun before the next chunk is
computed: its bulk, sent from Motor's thread, goes on while the rules hold the event
loop; the commit waits for the loop's next turn. Yielding between players to let the
commit go sooner cost more than it saved on two shared cores, where the pass is bound
by CPU (docs/performance-history.md, "Achievements, returning players: the timeline"). Chunks
hold different players, so the order in which they land changes nothing.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import InsertOne, UpdateOne
from pymongo.errors import BulkWriteError, OperationFailure
from pymongo.results import BulkWriteResult

from questlog.achievements.book import Book
from questlog.achievements.documents import EVALUATION_ORDER, entries_of, packed
from questlog.achievements.rules import Outcome, apply_events
from questlog.store.errors import DUPLICATE_KEY
from questlog.store.transactions import (
    OneTransaction,
    aborted_on_error,
    client_of,
    has_transactions,
)
from questlog.store.types import MotorCollection
from questlog.tasks import started

KEEP_APPLIED = 1000
# Players' documents the evaluator keeps as it wrote them, the most recent: the active
# ones, whose documents it would otherwise read back before each of their updates.
CACHE_PLAYERS = 5_000
# Updates per transaction. One commit (synced to disk on the local server) per chunk,
# not per update; and bounded, since a transaction must fit in the server's cache
# (secantusd-rs refused one of a thousand 12 kB documents with a 256 MB cache).
CHUNK_PLAYERS = 250
ORDER_KEYS = [name for name, _ in EVALUATION_ORDER]
KEPT = ("_id", "version", "through", "achievements")  # of a document, in the cache

Events = list[dict[str, Any]]
Write = InsertOne[dict[str, Any]] | UpdateOne


def order_key(event: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(event[name] for name in ORDER_KEYS)


@dataclass
class Applied:
    """What applying one batch did."""

    unlocks: int = 0
    conflicts: int = 0  # updates refused by the guard, then recomputed


@dataclass(frozen=True)
class _Update:
    user_id: str
    request: Write
    unlocks: int
    written: dict[str, Any]  # the document as the update leaves it, for the cache


class PlayerUpdates:
    def __init__(self, *, book: Book, progress: MotorCollection) -> None:
        self.book, self._progress = book, progress
        self._transactions: bool | None = None  # whether the store has them, once asked
        # The players' documents as this process last wrote them, or read them when it
        # had nothing to write (version, through, achievements: packed as written, or
        # as read), the most recent last: see _documents.
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()

    async def prepare(self) -> None:
        """Ask the store whether it runs transactions, before the first batch: asked by
        the first write, the question waited behind the rules that write overlaps (20-30
        ms of a restart's pass)."""
        await self._has_transactions()

    async def apply(self, batch: Sequence[dict[str, Any]]) -> Applied:
        """Apply `batch` (in evaluation order) to its players, each exactly once."""
        players: dict[str, Events] = {}
        for event in batch:
            if event.get("user_id") is not None:
                players.setdefault(event["user_id"], []).append(event)
        done = Applied()
        docs = await self._documents(players, with_applied=False)
        while players:
            refused = await self._write_all(players, docs, done)
            done.conflicts += len(refused)
            players = {user: players[user] for user in refused}
            if players:  # recompute them from their documents as they are now
                docs = await self._documents(players, with_applied=True)
        return done

    async def _documents(
        self, players: dict[str, Events], *, with_applied: bool
    ) -> dict[str, dict[str, Any]]:
        """The players' documents, with `applied` for those who may hold some of the events
        already (an event not after the document's `through`); all of them read from the
        store `with_applied`.

        Otherwise a player this process wrote last comes from its cache: the document as
        that write left it, or as read when every event was applied already (the version
        guard refuses the update computed from it if any other writer, which bumps the
        version, came between; the player is then read again). The others are read
        whole, `applied` too: on secantusd-rs a projection that leaves it out costs the
        server about 100 µs a document, four times the whole read."""
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
            async for doc in self._progress.find({"_id": {"$in": missing}}):
                docs[doc["_id"]] = doc
        again = [user for user, doc in docs.items() if "applied" not in doc
                 and not _all_after(players[user], doc.get("through"))]
        if again:
            # `applied` alone, laid over the cached document: should the document have
            # moved on since, the guard refuses the update computed from the cached one,
            # and the player is read again whole.
            async for doc in self._progress.find({"_id": {"$in": again}}, {"applied": 1}):
                docs[doc["_id"]] = {**docs[doc["_id"]], "applied": doc.get("applied", [])}
        return docs

    async def _write_all(
        self, players: dict[str, Events], docs: dict[str, dict[str, Any]], done: Applied,
    ) -> set[str]:
        """Every player's update, chunk by chunk, each write begun before the next chunk
        is computed (see the module's docstring); the players whose update the guard
        refused."""
        users, refused = list(players), set()
        writing: asyncio.Future[set[str]] | None = None
        try:
            for start in range(0, len(users), CHUNK_PLAYERS):
                chunk = [update for user in users[start:start + CHUNK_PLAYERS]
                         if (update := self._update(user, players[user], docs.get(user)))]
                if writing is not None:
                    refused |= await writing
                    writing = None
                if chunk:  # begun before the next chunk's rules take the event loop
                    writing = await started(self._write_chunk(chunk, done))
            if writing is not None:
                refused |= await writing
                writing = None
        finally:
            if writing is not None:  # the rules failed meanwhile: the write may land or not
                writing.cancel()
                # wait(), not await: a cancel of this task while it waits must not be
                # swallowed with the write's own CancelledError.
                await asyncio.wait([writing])
        return refused

    def _update(self, user_id: str, events: Events, doc: dict[str, Any] | None
                ) -> _Update | None:
        """The player's update computed from `doc`; None if every event is applied."""
        if doc is not None and "applied" in doc:
            applied = set(doc["applied"])
            events = [e for e in events if e["_id"] not in applied]
            if not events:  # read again (a settle pass, a restart): kept as it was read
                self._keep(user_id, {k: doc[k] for k in KEPT if k in doc})
                return None
        doc = doc or {}
        version, entries = doc.get("version", 0), entries_of(doc)
        # The fold changes the entries in place: out of the cache first, so that rules
        # failing halfway leave no half-changed document there (it comes back written).
        self._cache.pop(user_id, None)
        outcome = apply_events(self.book, entries, events)  # `entries` now as after them
        through = _through(events, doc.get("through"))
        # The cache keeps them packed, as stored, and they are unpacked again at the
        # player's next update: unpacked, a player's entries are about 90 dicts and lists,
        # which the collector walked while the cache held them (two young collections a
        # returning pass; docs/performance-history.md, "the cache keeps players packed").
        stored = packed(entries) if outcome.changed else doc.get("achievements", b"")
        return _Update(
            user_id=user_id,
            request=_request(user_id, version, events, outcome, stored, through),
            unlocks=sum(u.count for u in outcome.unlocks),
            written={"_id": user_id, "version": version + 1, "through": through,
                     "achievements": stored},
        )

    async def _write_chunk(self, chunk: list[_Update], done: Applied) -> set[str]:
        for update in chunk:  # whatever the write's fate, until it is known
            self._cache.pop(update.user_id, None)
        failed = await self._write([update.request for update in chunk])
        for index, update in enumerate(chunk):
            if index not in failed:
                done.unlocks += update.unlocks
                self._keep(update.user_id, update.written)
        return {chunk[i].user_id for i in failed}

    def _keep(self, user_id: str, doc: dict[str, Any]) -> None:
        self._cache[user_id] = doc
        self._cache.move_to_end(user_id)
        while len(self._cache) > CACHE_PLAYERS:
            self._cache.popitem(last=False)

    async def _write(self, requests: list[Write]) -> set[int]:
        """Write the updates; the indexes of those the guard refused.

        Where the server has transactions, the bulk goes in one: one commit instead of
        one per player (secantusd-rs commits, and syncs, every statement of a bulk on
        its own). A guard that refuses one aborts it, nothing written: the bulk is then
        written again without one, which tells the refused updates apart."""
        if await self._has_transactions():
            unit = OneTransaction(client_of(self._progress), self._progress.write_concern,
                                  enabled=True)
            try:
                async with aborted_on_error(unit):
                    # The session starts without a hop to Motor's thread: the bulk is
                    # then the task's first step, sent while the next chunk's rules run.
                    result = await self._progress.bulk_write(
                        requests, ordered=False, session=await unit.session())
                    await unit.commit()
                return _unmatched(result, requests)
            except OperationFailure as exc:
                if not _refused(exc):
                    raise
        try:
            result = await self._progress.bulk_write(requests, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            return {e["index"] for e in errors}
        return _unmatched(result, requests)

    async def _has_transactions(self) -> bool:
        if self._transactions is None:
            self._transactions = await has_transactions(client_of(self._progress))
        return self._transactions


def _refused(exc: OperationFailure) -> bool:
    """A guard's duplicate key, or another writer's conflict, aborted the transaction."""
    if isinstance(exc, BulkWriteError):
        errors = exc.details.get("writeErrors", [])
        return bool(errors) and all(e.get("code") == DUPLICATE_KEY for e in errors)
    return exc.has_error_label("TransientTransactionError")


def _unmatched(result: BulkWriteResult, requests: list[Write]) -> set[int]:
    """After a bulk without errors: none, or, if some update matched no document (its
    player's document was deleted since it was read), all of them.

    The result counts, it does not say which: every player of the bulk is then read
    again, with `applied`, which tells the updates that landed (their events are in it)
    from those that did not."""
    if result.matched_count + result.inserted_count == len(requests):
        return set()
    return set(range(len(requests)))


def _all_after(events: Events, through: list[Any] | None) -> bool:
    """Whether every event (in evaluation order, as every batch is read: the first is
    the oldest) comes after `through` (then none can have been applied: every applied
    event is at or before it). A document without one is older than it: no."""
    if through is None:
        return False
    return order_key(events[0]) > tuple(through)


def _through(events: Events, through: list[Any] | None) -> list[Any]:
    """The order key of the newest event applied once `events` (in evaluation order, as
    every batch is read) are."""
    newest = order_key(events[-1])
    if through is not None and tuple(through) > newest:
        newest = tuple(through)
    return list(newest)


def _request(
    user_id: str, version: int, events: Events, outcome: Outcome,
    stored: bytes | dict[str, Any], through: list[Any],
) -> Write:
    """One player's atomic write, refused unless the document is still at `version`:
    an insert where there was none (refused as a duplicate if another writer made it),
    an update of that version otherwise (matching nothing if it is gone or has moved on).
    Where the outcome changed entries, the write sets all of them, `stored` (packed,
    see documents.PlayerProgress): the version guard makes them the stored ones.

    An insert, not an upsert of the update: the server builds a document of dotted
    paths for an upsert at about twice the cost of inserting the same document."""
    ids = [e["_id"] for e in events][-KEEP_APPLIED:]
    last_event_at = max(e["event_time"] for e in events)
    unlocked = [aid for aid, entry in outcome.changed.items() if entry.get("reached")]
    if version == 0:
        document: dict[str, Any] = {"_id": user_id, "version": 1, "applied": ids,
                                    "last_event_at": last_event_at, "through": through}
        if outcome.changed:
            document["achievements"] = stored
        if unlocked:
            document["unlocked"] = unlocked
        return InsertOne(document)
    update: dict[str, Any] = {
        "$inc": {"version": 1},
        "$push": {"applied": {"$each": ids, "$slice": -KEEP_APPLIED}},
        "$max": {"last_event_at": last_event_at},
        "$set": {"through": through},
    }
    if outcome.changed:
        update["$set"]["achievements"] = stored
    if unlocked:
        update["$addToSet"] = {"unlocked": {"$each": unlocked}}
    # Only fields of the (_id, version) index: secantusd-rs scans the collection for a
    # filter naming any other field, even beside _id.
    return UpdateOne({"_id": user_id, "version": version}, update)
