"""`questlog bench ingest`: drive a running server over HTTP and measure what it answers.

C workers share one stream of synthetic events; each takes the next B events, posts
them as one batch (or, with `single`, one event per POST /api/v1/events) and records
the request's latency and the server's counts. Bodies are encoded before the clock
starts, and each worker posts on a keep-alive connection of bench.http's lean client,
so the latency is the server's answer time plus the network, not the client's work.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from questlog.batching import chunked
from questlog.bench.http import Answer, Connection, TransportError
from questlog.bench.report import Figure, latency_figures, progress, rate
from questlog.bench.synthetic import synthetic_events

# A rejected single event is answered with the error envelope and one of these statuses.
REJECTION_STATUSES = frozenset({400, 413, 422})


@dataclass
class IngestTally:
    """What the server answered; accepted + duplicates + rejected + failed = events sent."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    failed: int = 0  # events of requests that got no usable answer
    errors: int = 0  # those requests
    first_error: str | None = None
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def answered(self) -> int:
        return self.accepted + self.duplicates + self.rejected

    def error(self, events: int, message: str) -> None:
        self.errors += 1
        self.failed += events
        self.first_error = self.first_error or message

    def figures(self, *, single: bool) -> list[Figure]:
        return [
            ("events/s", rate(self.answered, self.seconds)),
            *latency_figures("request latency" if single else "batch latency", self.latencies),
            ("accepted", str(self.accepted)),
            ("duplicates", str(self.duplicates)),
            ("rejected", str(self.rejected)),
            ("errors", f"{self.errors} requests, {self.failed} events"
                       + (f" (first: {self.first_error})" if self.first_error else "")),
            ("elapsed", f"{self.seconds:.2f} s"),
        ]


async def drive(
    *, url: str, key: str, events: int, batch: int, concurrency: int, single: bool
) -> IngestTally:
    """Send `events` synthetic events to the server at `url` and tally its answers."""
    path = "/api/v1/events" if single else "/api/v1/events/batch"
    # Bodies are built before the clock starts: the figures are the server's, not the
    # load generator's, which shares the machine's cores with it.
    bodies = iter([
        (len(chunk), json.dumps(chunk[0] if single else {"events": chunk}).encode())
        for chunk in chunked(synthetic_events(events, now=datetime.now(UTC)),
                             1 if single else batch)
    ])
    tally = IngestTally()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    connections = [Connection(url, headers) for _ in range(concurrency)]
    try:
        with progress(events, "events") as bar:
            started = time.perf_counter()
            await asyncio.gather(*(
                _worker(connection, path, bodies, tally, bar, single=single)
                for connection in connections
            ))
            tally.seconds = time.perf_counter() - started
    finally:
        for connection in connections:
            await connection.close()
    return tally


async def _worker(
    connection: Connection, path: str, bodies: Iterator[tuple[int, bytes]],
    tally: IngestTally, bar: Any, *, single: bool,
) -> None:
    for size, body in bodies:  # the workers share one iterator: each body is sent once
        started = time.perf_counter()
        try:
            response = await connection.post(path, body)
        except TransportError as exc:
            tally.error(size, str(exc))
        else:
            tally.latencies.append(time.perf_counter() - started)
            _count(response, size, tally, single=single)
        bar.update(size)


def _count(response: Answer, sent: int, tally: IngestTally, *, single: bool) -> None:
    try:
        envelope = response.json()
    except ValueError:
        envelope = {}
    if response.status_code in (200, 202) and envelope.get("ok"):
        data = envelope["data"]
        tally.accepted += data["accepted"]
        tally.duplicates += data["duplicates"]
        tally.rejected += data["rejected"]
    elif single and response.status_code in REJECTION_STATUSES:
        tally.rejected += sent
    else:
        error = envelope.get("error") or {}
        tally.error(sent, f"HTTP {response.status_code} {error.get('code', '')}: "
                          f"{error.get('message', response.text[:200])}")
