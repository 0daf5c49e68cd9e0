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
from typing import Any

from questlog.tasks import started, stopped

READ_BATCH = 10_000


async def batches(cursors: list[Any]) -> AsyncIterator[list[dict[str, Any]]]:
    """The documents of the cursors a batch at a time, in the order the batches arrive,
    a request of each cursor under way while the caller works on a batch (and no await
    per event). With one cursor the server waits while the client decodes a batch (in
    the driver's thread) and the client while the server gathers the next; with two,
    each side works on one cursor's batch while the other side works on the other's."""
    pending = {await started(c.to_list(READ_BATCH)): c for c in cursors}
    try:
        while pending:
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for future in done:
                cursor = pending.pop(future)
                batch = future.result()
                if batch:
                    pending[await started(cursor.to_list(READ_BATCH))] = cursor
                    yield batch
    finally:
        await stopped(pending)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a stretch of a day is scanned or built
    (never across an await, so the rest of the process keeps it). The rows and
    documents hold no cycles, and the collector's passes over them, which grow with
    them, took a third of the scan's and the build's time (py-spy and gc.callbacks,
    20,000 events); reference counting still frees everything."""
    was_enabled = gc.isenabled()  # a caller may have paused it already
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
