"""The ingest hooks of operations: sampling of valid events, backpressure around the
write, metrics after it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from questlog.clock import utcnow
from questlog.ingest.hooks import IngestHooks
from questlog.ingest.validation import Rejection
from questlog.ops.backpressure import Overloaded, WriteGate
from questlog.ops.metrics import Metrics
from questlog.ops.quality import AcknowledgedCounter
from questlog.ops.sampling import SAMPLE_RATE, LoadSignal, Policy, Sampler, keeps


class OpsHooks(IngestHooks):
    def __init__(
        self, *, metrics: Metrics, gate: WriteGate, policy: Policy,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.metrics, self.gate, self.policy, self._clock = metrics, gate, policy, clock
        self.load = LoadSignal()
        self.acknowledged: AcknowledgedCounter | None = None  # set by Operations

    @property
    def policy(self) -> Policy:
        return self._policy

    @policy.setter
    def policy(self, policy: Policy) -> None:
        self._policy = policy
        self._samplers = (Sampler.of(policy), Sampler.of(policy.served(load_high=True)))

    def _sampler(self) -> Sampler:
        """The policy in force now (adaptive rates lowered under held load), compiled."""
        return self._samplers[1] if self.load.high(self._clock()) else self._samplers[0]

    def served_policy(self) -> Policy:
        return self._sampler().policy

    def sampled(self, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sampler, kept = self._sampler(), []
        for document in documents:
            rate = keeps(sampler, document)
            if rate is None:
                self.metrics.count_dropped(document["type"], "sampled")
                continue
            if rate < 1:
                document[SAMPLE_RATE] = rate
            kept.append(document)
        return kept

    @contextlib.contextmanager
    def admitted(self, count: int) -> Iterator[None]:
        try:
            self.gate.take(count)
        except Overloaded:
            self.metrics.overloaded.inc()
            self.load.refused(self._clock())
            raise
        try:
            yield
        finally:
            self.gate.give_back(count)

    @contextlib.contextmanager
    def inserting(self, count: int) -> Iterator[None]:
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
        if self.acknowledged is not None:
            self.acknowledged.add(stored)
