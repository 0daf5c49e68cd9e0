"""Backpressure: the write path admits a bounded number of events at a time.

A batch is admitted when the events already being written plus its own stay within
`max_in_flight`, and the bus (which feeds the evaluator) is below its high-water mark.
Otherwise it is refused at once with Overloaded: nothing of it was stored nor
quarantined, and the client sends it again after `retry_after` seconds. Memory held
by ingestion is thus bounded by the limit, however slow the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class Overloaded(Exception):
    """The write path is full; retry after `retry_after` seconds. Nothing was written."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


@dataclass
class GateStats:
    in_flight: int = 0
    peak_in_flight: int = 0
    admitted: int = 0
    refused: int = 0


class WriteGate:
    def __init__(
        self, *, max_in_flight: int, retry_after: int,
        bus_depth: Callable[[], float] = lambda: 0.0, bus_high_water: float = 1.0,
    ) -> None:
        self._max = max_in_flight
        self._retry_after = retry_after
        self._bus_depth, self._bus_high_water = bus_depth, bus_high_water
        self.stats = GateStats()

    def refusal(self, count: int) -> str | None:
        """Why a batch of `count` items would be refused now, or None."""
        in_flight = self.stats.in_flight
        # A batch larger than the whole limit is admitted alone, never refused forever.
        if in_flight and in_flight + count > self._max:
            return f"{in_flight} events are being written; the limit is {self._max}"
        if self._bus_depth() >= self._bus_high_water:
            return "the bus to the evaluator is above its high-water mark"
        return None

    def take(self, count: int) -> None:
        """Admit a batch of `count` items, or raise Overloaded; give_back() when done."""
        reason = self.refusal(count)
        if reason is not None:
            self.stats.refused += 1
            raise Overloaded(reason, self._retry_after)
        self.stats.in_flight += count
        self.stats.admitted += 1
        self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.stats.in_flight)

    def give_back(self, count: int) -> None:
        self.stats.in_flight -= count
