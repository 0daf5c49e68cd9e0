"""Writing a period's documents: inserted or replaced, the period's others deleted."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any

from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError

from questlog.batching import chunked
from questlog.stats.encoded import Encoded, document_id
from questlog.store.errors import DUPLICATE_KEY
from questlog.store.types import MotorCollection, on_a_server
from questlog.tasks import started, stopped

WRITE_CHUNK = 10_000
# write_all writes in chunks this big, the next built meanwhile. Not smaller: on
# secantusd-rs 46 inserts of 250 documents took 2 to 4 times as long as 2 of 10,000 (12
# of 1,000: the same as 2 of 10,000).
OVERLAPPED_CHUNK = 1_000
ID_BATCH = 100_000


@dataclass
class Tally:
    events_read: int = 0
    written: int = 0
    deleted: int = 0
    # (event id, received_at) of the events read received at or after `received_since`
    recent: list[tuple[str, datetime]] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.events_read += other.events_read
        self.written += other.written
        self.deleted += other.deleted


class PeriodWriter:
    """Writes a period's documents and, at the end, deletes those it did not write."""

    def __init__(self, collection: MotorCollection, before: set[str]) -> None:
        self._collection, self._before = collection, before
        self._takes_bson = on_a_server(collection)  # documents encoded ahead (encoded.py)
        self._written: set[str] = set()

    @classmethod
    async def open(cls, collection: MotorCollection, start: date) -> PeriodWriter:
        """A writer for the period starting `start`, knowing which documents it has now."""
        query = {"period_start": start.isoformat()}
        # Through period_scope (rollup.py); in one batch, as ids are small (the first
        # batch is 101 documents by default, and each further one a round trip).
        found = collection.find(query, {"_id": 1}, batch_size=ID_BATCH)
        return cls(collection, {d["_id"] async for d in found})

    @property
    def before(self) -> set[str]:
        """The ids of the period's documents when the writer was opened."""
        return self._before

    @property
    def written(self) -> set[str]:
        return self._written

    def also_written(self, ids: Iterable[str]) -> None:
        """Count the ids another writer of this period wrote (rollup's helper process)
        as written, so that close() keeps them."""
        self._written.update(ids)

    async def write_all(self, documents: Iterator[dict[str, Any] | Encoded]) -> None:
        """Write `documents` in unordered batches, each written while the next is built:
        the server stores one on its core while Python builds the next on the other."""
        pending: asyncio.Future[None] | None = None
        try:
            while chunk := list(islice(documents, OVERLAPPED_CHUNK)):
                if pending is not None:
                    await pending
                pending = await started(self.write(chunk))
            if pending is not None:
                await pending
        finally:
            if pending is not None and not pending.done():
                await stopped([pending])  # its writes, when building failed or was cancelled

    async def write(self, documents: list[dict[str, Any] | Encoded]) -> None:
        if not self._takes_bson:  # the in-memory store: dicts only
            documents = [d.decoded() if type(d) is Encoded else d for d in documents]
        ids = [document_id(d) for d in documents]
        # A document not there before is inserted, one that is is replaced: inserts are
        # the server's cheapest write, and most of a day's are new at its first rollup.
        before = self._before
        fresh = [d for d, i in zip(documents, ids, strict=True) if i not in before]
        known = [d for d, i in zip(documents, ids, strict=True) if i in before]
        for chunk in chunks(fresh):
            await self._insert(chunk)
        for chunk in chunks(known):
            await self._replace(chunk)
        self._written.update(ids)

    async def _insert(self, documents: list[dict[str, Any] | Encoded]) -> None:
        try:
            await self._collection.insert_many(documents, ordered=False)
        except BulkWriteError as exc:  # another process inserted some meanwhile: replace them
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            await self._replace([documents[e["index"]] for e in errors])

    async def _replace(self, documents: list[dict[str, Any] | Encoded]) -> None:
        if documents:
            requests = [ReplaceOne({"_id": document_id(d)}, d, upsert=True) for d in documents]
            await self._collection.bulk_write(requests, ordered=False)

    async def close(self, events_read: int) -> Tally:
        stale = sorted(self._before - self._written)
        for ids in chunks(stale):
            await self._collection.delete_many({"_id": {"$in": ids}})
        return Tally(events_read=events_read, written=len(self._written), deleted=len(stale))


def chunks(items: list[Any]) -> Iterable[list[Any]]:
    return chunked(items, WRITE_CHUNK)
