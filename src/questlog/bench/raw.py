"""`questlog bench raw`: the store's own insert rate, the yardstick for HTTP ingestion.

The documents are the very ones ingestion would store: synthetic events run through
check_event, so shape and size match. They go, by unordered insert_many batches, into
a scratch collection with the indexes of the events collection (index upkeep is part
of the cost of storing an event, so the ratio to HTTP ingestion measures what the API
adds), which is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import bson

from questlog.batching import chunked
from questlog.bench.report import Figure, latency_figures, progress, rate
from questlog.bench.synthetic import synthetic_events
from questlog.bootstrap import retention
from questlog.ingest.validation import Context, Limits, Rejection, check_event
from questlog.settings import Settings
from questlog.stats.documents import DailyStat, WeeklyStat
from questlog.store.connection import Connection
from questlog.store.documents import StoredEvent
from questlog.store.durability import durable_database
from questlog.store.indexes import ensure_ttl_index
from questlog.store.types import MotorCollection

DATABASE = "questlog_bench"
# The synthetic events are valid under any sane limits; wide ones build every document
# whatever the server is configured with.
WIDE_LIMITS = Limits(
    max_event_bytes=1 << 20, max_future=timedelta(days=1), max_past=timedelta(days=365)
)


def stored_event(event: dict[str, Any], *, index: int, context: Context,
                 limits: Limits = WIDE_LIMITS) -> dict[str, Any]:
    """A synthetic event as ingestion stores it; its rejection is the generator's bug."""
    checked = check_event(event, index=index, limits=limits, context=context)
    if isinstance(checked, Rejection):
        raise AssertionError(f"a synthetic event was rejected: {checked.message}")
    return checked


@dataclass(frozen=True)
class RawFigures:
    inserted: int
    seconds: float
    average_bytes: float
    store: str
    latencies: list[float] = field(default_factory=list)  # seconds, one per insert_many

    def figures(self) -> list[Figure]:
        return [
            ("docs/s", rate(self.inserted, self.seconds)),
            # Beside `bench ingest`'s latency: what the store itself takes per write.
            *latency_figures("insert_many latency", self.latencies),
            ("inserted", str(self.inserted)),
            ("document size", f"{self.average_bytes:.0f} bytes (BSON, average)"),
            ("elapsed", f"{self.seconds:.2f} s"),
        ]


def stored_documents(count: int, *, batch: int = 500) -> list[dict[str, Any]]:
    """`count` documents exactly as ingestion stores them from requests of `batch` events:
    each request's with its own received_at (a millisecond after the one before) and
    ingest_id, as ingestion stamps a request. (Before, all shared one; the local server's
    CPU per insert was the same either way, 64 µs at the median of eight alternated runs
    each.)"""
    now = datetime.now(UTC)
    events = synthetic_events(count, now=now)
    documents: list[dict[str, Any]] = []
    for request, chunk in enumerate(chunked(events, batch)):
        context = Context(received_at=now + timedelta(milliseconds=request),
                          ingest_id=secrets.token_hex(16), company_salt="bench")
        documents.extend(stored_event(event, index=index, context=context)
                         for index, event in enumerate(chunk))
    return documents


async def insert_raw(
    *, connection: Connection, events: int, batch: int, concurrency: int
) -> RawFigures:
    documents = stored_documents(events, batch=batch)
    average = sum(len(bson.encode(d)) for d in documents) / max(len(documents), 1)
    # With the write concern Questlog's own writes carry: acknowledged once durable.
    database = await durable_database(connection.client, DATABASE)
    collection = database[f"raw_{secrets.token_hex(4)}"]
    try:
        await emptied(collection, StoredEvent)
        latencies: list[float] = []
        seconds = await _insert(collection, documents, batch=batch, concurrency=concurrency,
                                latencies=latencies)
        inserted = await collection.count_documents({})
    finally:
        await collection.drop()
    return RawFigures(inserted=inserted, seconds=seconds, average_bytes=average,
                      store=connection.where, latencies=latencies)


async def emptied(collection: MotorCollection,
                  document: type[StoredEvent | DailyStat | WeeklyStat]) -> None:
    """`collection` dropped and made again, empty, with `document`'s indexes and the TTL
    index of its retention, as production has them: each write keeps them up.

    The store's cost of an insert grows with what the collection already holds (on the
    local server, measured: about twice as much once it holds 20,000 events), so a floor
    and the runs it is compared with each start from this same state. Under a server
    that only ingests: the evaluator's own index (made at its start) is not made again.
    """
    await collection.drop()
    await collection.create_indexes(document.Settings.indexes)
    for retained, field_name, ttl in retention(Settings()):
        if retained is document:
            await ensure_ttl_index(collection, field_name, ttl)


async def _insert(
    collection: MotorCollection, documents: list[dict[str, Any]], *, batch: int,
    concurrency: int, latencies: list[float],
) -> float:
    chunks = chunked(documents, batch)

    async def worker() -> None:
        for chunk in chunks:  # shared: each chunk is inserted once
            sent = time.perf_counter()
            await collection.insert_many(chunk, ordered=False)
            latencies.append(time.perf_counter() - sent)
            bar.update(len(chunk))

    with progress(len(documents), "docs") as bar:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started
