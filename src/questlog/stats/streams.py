"""Moving a period's data between the store and Python without stalling either side.

The rollup is Python work (scanning events, building documents) between server work
(reading events, storing documents). On two cores they overlap only if each request is
under way while Python computes, and Python's own time stays small.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from questlog.stats.compiled import COMPILED
from questlog.stats.scan import DayScan
from questlog.store.types import MotorCollection, on_a_server
from questlog.tasks import started, stopped

READ_BATCH = 10_000
Recent = list[tuple[str, datetime]]  # (event id, received_at) of events read


async def scanned(events: MotorCollection, queries: list[dict[str, Any]],
                  received_since: datetime | None = None) -> tuple[DayScan, Recent]:
    """The scan of the events `queries` find, read through a cursor each (see
    batches), with the collector paused; with `received_since` (naive UTC), also the
    events read that were received at or after it. On a server, where the C extension
    was built, and with no `received_since`, the events are read as raw batches and
    scanned from their bytes (DayScan.add_batch)."""
    scan, recent = DayScan(), Recent()
    if received_since is None and COMPILED and on_a_server(events):
        raw = [events.find_raw_batches(query, batch_size=READ_BATCH) for query in queries]
        with collector_paused():
            async for batch in batches(raw, 1):  # a raw cursor's item is a whole batch
                for data in batch:
                    scan.add_batch(data)
        return scan, recent
    # Whole events, unprojected: secantusd-rs projects 35 fields slower than it sends
    # the documents, and a $group $push-ing every numeric field cost ten times more.
    found = [events.find(query, batch_size=READ_BATCH) for query in queries]
    with collector_paused():
        async for batch in batches(found):
            scan.add_all(batch)
            if received_since is not None:
                recent.extend(_received_since(batch, received_since))
    return scan, recent


def _received_since(batch: list[dict[str, Any]], since: datetime
                    ) -> Iterator[tuple[str, datetime]]:
    for event in batch:
        received = event.get("received_at")
        if received is None:
            continue
        if received.tzinfo is not None:
            received = received.astimezone(UTC).replace(tzinfo=None)
        if received >= since:
            yield event["_id"], received


async def batches(cursors: list[Any], items: int = READ_BATCH) -> AsyncIterator[list[Any]]:
    """The documents of the cursors a batch at a time, in the order the batches arrive,
    a request of each cursor under way while the caller works on a batch (and no await
    per event). With one cursor the server waits while the client decodes a batch (in
    the driver's thread) and the client while the server gathers the next; with two,
    each side works on one cursor's batch while the other side works on the other's.
    Each request asks for `items`: READ_BATCH documents, or 1 of a raw cursor
    (find_raw_batches), whose item is a whole batch of them."""
    pending = {await started(c.to_list(items)): c for c in cursors}
    try:
        while pending:
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for future in done:
                cursor = pending.pop(future)
                batch = future.result()
                if batch:
                    pending[await started(cursor.to_list(items))] = cursor
                    yield batch
    finally:
        await stopped(pending)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a period is read, scanned, built and
    written: from the first holder's entry to the last holder's exit (a day's store and
    the next day's read overlap), across awaits. The rows and documents hold no cycles;
    reference counting frees them all.

    Paused only around each stretch of Python work, the collector still ran at the
    first allocation after each (it counts allocations while off), and walked the batch
    of events still held, the rows and the buckets built so far: on a dense day of
    1,000,000 events, 92 young collections of 27 ms and 8 older ones of 130-150 ms, 3.6-4.2
    s of a 26 s rollup (gc.callbacks; 20,000 events: a third of the scan's and the
    build's time before it was paused at all). What the rest of the process makes
    meanwhile (a request's cycles) waits for the collector until the period is done:
    seconds, or about 20 on a dense day. Used on the event loop's thread only."""
    if _pause.holders == 0:
        _pause.resume = gc.isenabled()  # a caller may have paused it already
        gc.disable()
    _pause.holders += 1
    try:
        yield
    finally:
        _pause.holders -= 1
        if _pause.holders == 0 and _pause.resume:
            gc.enable()


@dataclass
class _Pause:
    holders: int = 0  # collector_paused's open holders
    resume: bool = False  # whether the first holder found the collector on


_pause = _Pause()
