"""The ingest hooks of operations: backpressure around the write, metrics after it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from questlog.ingest.hooks import IngestHooks
from questlog.ingest.validation import Rejection
from questlog.ops.backpressure import Overloaded, WriteGate
from questlog.ops.metrics import Metrics


class OpsHooks(IngestHooks):
    def __init__(self, *, metrics: Metrics, gate: WriteGate) -> None:
        self.metrics, self.gate = metrics, gate

    @contextlib.asynccontextmanager
    async def admitted(self, count: int) -> AsyncIterator[None]:
        try:
            self.gate.take(count)
        except Overloaded:
            self.metrics.overloaded.inc()
            raise
        try:
            yield
        finally:
            self.gate.give_back(count)

    @contextlib.asynccontextmanager
    async def inserting(self, count: int) -> AsyncIterator[None]:
        started = time.perf_counter()
        try:
            yield
        except BaseException:
            self.metrics.inserts.labels(outcome="failed").inc()
            raise
        finally:
            self.metrics.insert_seconds.observe(time.perf_counter() - started)
        self.metrics.inserts.labels(outcome="ok").inc()

    def ingested(
        self, *, items: int, stored: Sequence[dict[str, Any]],
        duplicates: Sequence[dict[str, Any]], rejections: Sequence[Rejection],
    ) -> None:
        self.metrics.count_batch(
            items=items, stored=stored, duplicates=duplicates, rejections=rejections
        )
