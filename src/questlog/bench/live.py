"""Benchmarks of a running server with its evaluator: end to end, freshness, memory.

`questlog bench achievements --end-to-end` measures two things, each with 100 generated
definitions. The evaluator's own rate: N events are stored through HTTP batches into a
server without the evaluator, then a server with it is started on the same data, and
its catch-up drains them; the rate is what it evaluated over its own busy time (from
its first read to nothing pending, GET /api/v1/achievements/status's busy_seconds),
against `bench raw`'s insert rate on the same store; then a second burst for the same
players, drained by a new server (the returning players). Three rounds, each on new
players after a run of the floor, and each figure the fastest of its runs, so that a
stall of the shared machine during one decides no ratio, either way. And the
drain: N events POSTed to a server that evaluates meanwhile, and how long after the
last POST nothing is pending.
Ingestion and evaluation then share the process and the machine, so that rate is
bounded by ingestion (one POST at a time), not by the evaluator: it is printed, but
the target is on the evaluator's own rate. `questlog bench freshness` measures, from a
POST's answer, how long until the event is readable through GET /api/v1/events and
until the unlock it causes is readable through the achievements API. Both print
figures; neither asserts a time.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from questlog.batching import chunked
from questlog.bench.achievements import definition_items
from questlog.bench.raw import RawFigures, insert_raw
from questlog.bench.report import Figure, percentile, rate
from questlog.bench.server import BenchServer, own_server, scratch_database
from questlog.bench.synthetic import synthetic_events
from questlog.store.connection import Connection

END_TO_END_TARGET = 0.5  # evaluated events/s over raw inserts/s
FRESH_EVENT_TARGET, FRESH_UNLOCK_TARGET = 0.1, 1.0  # p95 seconds
POLL_SECONDS = 0.002
ROUNDS = 3  # of the floor and the catch-ups
DRAIN_TIMEOUT = 300.0
FRESH_UNLOCK = "bench_fresh_unlock"  # counts one vote: every fresh player unlocks it


@asynccontextmanager
async def evaluating_server(connection: Connection, *, database: str | None = None
                            ) -> AsyncIterator[BenchServer]:
    """A server of the benchmark's own with the evaluator on, over 100 definitions and
    one that a player's first vote unlocks (in `database`: see own_server)."""
    items = definition_items(99, now=datetime.now(UTC))
    items.append({"id": FRESH_UNLOCK, "rule": {"kind": "counter", "event": "BILL_VOTE",
                                               "threshold": 1}})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "achievements.yaml"
        path.write_text(yaml.safe_dump({"achievements": json.loads(json.dumps(items,
                                                                              default=str))}))
        async with own_server(connection, evaluator=True, achievements_file=str(path),
                              database=database) as server:
            yield server


def _client(server: BenchServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, timeout=30,
                             headers={"Authorization": f"Bearer {server.key}"})


async def _status(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/v1/achievements/status")
    response.raise_for_status()
    data: dict[str, Any] = response.json()["data"]
    return data


Pass = tuple[int, float]  # a catch-up pass: events read (or evaluated), busy seconds


@dataclass(frozen=True)
class EndToEnd:
    events: int
    # The fastest round's catch-up of a stored burst of new players: the events it
    # evaluated, the evaluator's busy seconds (its first read to nothing pending).
    evaluated: int
    busy_seconds: float
    # The fastest round's pass over a second burst of the same players: the events it
    # read whole (the first burst's again too, stored within the settle window, unless
    # the server before it kept their ids as it stopped), its busy seconds; and every
    # round's busy seconds.
    returning: Pass
    returning_runs: tuple[float, ...]
    live_seconds: float  # a burst evaluated as it arrives: first POST to nothing pending
    drain_seconds: float  # the same: last POST answered to nothing pending
    raw: RawFigures
    store: str

    @property
    def rate(self) -> float:
        return per_second(self.evaluated, self.busy_seconds)

    @property
    def returning_rate(self) -> float:
        """The second burst's events over the busy time of the pass that applied them
        (which also read the first burst again and found it applied)."""
        return per_second(self.events, self.returning[1])

    @property
    def raw_rate(self) -> float:
        return per_second(self.raw.inserted, self.raw.seconds)

    @property
    def ratio(self) -> float:
        return self.rate / self.raw_rate if self.raw_rate else 0.0

    @property
    def returning_ratio(self) -> float:
        return self.returning_rate / self.raw_rate if self.raw_rate else 0.0

    def figures(self) -> list[Figure]:
        return [
            ("stored", f"{self.events} events through HTTP batches of 500, evaluator off"),
            ("evaluated", f"{self.evaluated} events in {self.busy_seconds:.2f} s of the "
                          f"evaluator's own time ({rate(self.evaluated, self.busy_seconds)} "
                          f"events/s, its first read to nothing pending; the fastest of "
                          f"{ROUNDS} rounds, each on new players)"),
            ("raw insert", f"{rate(self.raw.inserted, self.raw.seconds)} docs/s on the same "
                           f"store (batches of 500, one at a time; the fastest of "
                           f"{ROUNDS + 1} runs: one before each round, one after the live "
                           "burst)"),
            ("evaluated / raw insert", _against_target(self.ratio)),
            ("returning players", f"a second burst of {self.events} for the same players, "
             f"their progress stored, drained by a new server: {self.events} in "
             f"{self.returning[1]:.2f} s of its own time, "
             f"{rate(self.events, self.returning[1])} events/s (the fastest of the rounds' "
             f"{', '.join(f'{s:.2f}' for s in self.returning_runs)} s; {self._read_again})"),
            ("returning / raw insert", _against_target(self.returning_ratio)),
            ("live", f"{self.events} events POSTed while evaluating: nothing pending "
                     f"{self.drain_seconds:.2f} s after the last POST, "
                     f"{self.live_seconds:.2f} s after the first "
                     f"({rate(self.events, self.live_seconds)} events/s, bounded by "
                     "ingestion at one POST at a time)"),
        ]

    @property
    def _read_again(self) -> str:
        """What the fastest returning pass read of the first burst, stored within the
        settle window (see achievements.watermark)."""
        read = self.returning[0]
        if read > self.events:
            return (f"the fastest read {read} events whole: the first burst's again too, "
                    "found applied")
        return (f"the fastest read {read} events whole, the first burst's ids only: the "
                "server before it kept them as it stopped")


def per_second(count: int, seconds: float) -> float:
    """A rate; 0 for a run that took no time (nothing measured)."""
    return count / seconds if seconds else 0.0


def fastest_runs(raw_runs: list[RawFigures], catch_ups: list[tuple[Pass, Pass]]
                 ) -> tuple[RawFigures, Pass, Pass]:
    """The fastest raw run, the fastest new players' pass (events per busy second), the
    fastest returning pass (each round's drains the same number of new events, so the
    shortest), whichever rounds they come from: each figure is the best of its runs. A
    run that took no time measured nothing, and is never the fastest."""
    raw = max(raw_runs, key=lambda run: per_second(run.inserted, run.seconds))
    first = max((new for new, _ in catch_ups), key=lambda new: per_second(*new))
    returning = min((second for _, second in catch_ups),
                    key=lambda second: second[1] or math.inf)
    return raw, first, returning


def _against_target(ratio: float) -> str:
    verdict = "met" if ratio >= END_TO_END_TARGET else "missed"
    return f"{ratio:.2f} (target >= {END_TO_END_TARGET}: {verdict})"


def _bodies(events: int) -> list[str]:
    return [json.dumps({"events": chunk}) for chunk in
            chunked(synthetic_events(events, now=datetime.now(UTC)), 500)]


async def _post_all(client: httpx.AsyncClient, bodies: list[str]) -> None:
    for body in bodies:
        response = await client.post("/api/v1/events/batch", content=body,
                                     headers={"Content-Type": "application/json"})
        response.raise_for_status()


async def end_to_end(connection: Connection, *, events: int) -> EndToEnd:
    # ROUNDS of a floor's run then a catch-up (new players, then returning ones), and a
    # floor's run after the live burst; each figure the fastest of its runs (see the
    # module's docstring).
    runs, catch_ups = [], []
    for _ in range(ROUNDS):
        runs.append(await _raw(connection, events))
        catch_ups.append(await _catch_up(connection, events=events))
    async with evaluating_server(connection) as server, _client(server) as client:
        bodies = _bodies(events)
        before = (await _status(client))["evaluated"]
        started = time.perf_counter()
        await _post_all(client, bodies)
        posted = time.perf_counter()
        await _counted(client, events, before)
        finished = time.perf_counter()
        store = server.store
    runs.append(await _raw(connection, events))
    raw, (evaluated, busy), returning = fastest_runs(runs, catch_ups)
    return EndToEnd(events=events, evaluated=evaluated, busy_seconds=busy,
                    returning=returning,
                    returning_runs=tuple(second[1] for _, second in catch_ups),
                    live_seconds=finished - started, drain_seconds=finished - posted,
                    raw=raw, store=store)


async def _raw(connection: Connection, events: int) -> RawFigures:
    return await insert_raw(connection=connection, events=events, batch=500, concurrency=1)


async def _catch_up(
    connection: Connection, *, events: int,
) -> tuple[Pass, Pass]:
    """A burst stored with the evaluator off, then drained by a server started with it:
    how many events it evaluated, in how many seconds of its own busy time; then the
    same again for the same players (a new server each time: its memory is cold)."""
    if connection.kind == "memory":
        raise RuntimeError("the end-to-end benchmark needs a store two servers share "
                           "(the local server or a MongoDB URL), not the memory store")
    database = scratch_database()
    try:
        first = await _store_then_drain(connection, database, events)
        second = await _store_then_drain(connection, database, events)
    finally:
        await connection.client.drop_database(database)
    return first, second


async def _store_then_drain(connection: Connection, database: str, events: int
                            ) -> Pass:
    async with own_server(connection, database=database) as server, \
            _client(server) as client:
        await _post_all(client, _bodies(events))  # the same players every time
    async with evaluating_server(connection, database=database) as server, \
            _client(server) as client:
        # Polled slowly: each status request counts the pending events, work the
        # evaluator's own process and server would otherwise do for the benchmark.
        evaluated = await _counted(client, events, 0, poll=0.1)
        status = await _status(client)
        while not status["busy_seconds"]:  # the pass ends after its last batch
            await asyncio.sleep(0.1)
            status = await _status(client)
    return evaluated, float(status["busy_seconds"])


async def _counted(client: httpx.AsyncClient, events: int, before: int, poll: float = 0.01
                   ) -> int:
    """Wait until every event of a counted type was evaluated; how many that was."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        status = await _status(client)
        if status["pending"] == 0 and status["evaluated"] > before:
            await asyncio.sleep(0.05)  # a settle pass may still be under way
            again = await _status(client)
            if again["pending"] == 0 and again["evaluated"] == status["evaluated"]:
                return int(again["evaluated"]) - before
        await asyncio.sleep(poll)
    raise RuntimeError(f"the evaluator did not drain {events} events in {DRAIN_TIMEOUT:.0f} s")


@dataclass(frozen=True)
class Freshness:
    event_seconds: list[float]
    unlock_seconds: list[float]
    store: str

    def p(self, values: list[float], q: float) -> float:
        return percentile(values, q) if values else float("nan")

    def figures(self) -> list[Figure]:
        out = []
        for label, values, target in (("event readable", self.event_seconds, FRESH_EVENT_TARGET),
                                      ("unlock readable", self.unlock_seconds,
                                       FRESH_UNLOCK_TARGET)):
            p50, p95 = self.p(values, 50), self.p(values, 95)
            verdict = "met" if p95 < target else "missed"
            out.append((f"{label} p50/p95", f"{p50 * 1000:.1f} / {p95 * 1000:.1f} ms "
                        f"(target p95 < {target * 1000:.0f} ms: {verdict})"))
        out.append(("samples", str(len(self.event_seconds))))
        return out


async def freshness(connection: Connection, *, samples: int) -> Freshness:
    """Each sample: a fresh player's first vote, then poll until readable, then unlocked."""
    run = os.urandom(4).hex()
    event_times, unlock_times = [], []
    async with evaluating_server(connection) as server, _client(server) as client:
        for index in range(samples):
            player = f"fresh-{run}-{index}"
            event = {"type": "BILL_VOTE", "user_id": player, "company_id": "company-1",
                     "bill_id": "bill-1", "stance": "yea", "seat_weight": 1.0,
                     "lobby_payments_count": 0}
            (await client.post("/api/v1/events", json=event)).raise_for_status()
            answered = time.perf_counter()
            while not (await client.get("/api/v1/events", params={
                    "user_id": player, "page_size": 1})).json()["meta"]["total"]:
                await asyncio.sleep(POLL_SECONDS)
            event_times.append(time.perf_counter() - answered)
            while not (await client.get("/api/v1/achievements/progress", params={
                    "user_id": player, "achievement_id": FRESH_UNLOCK})).json()["data"][
                    "unlocked"]:
                await asyncio.sleep(POLL_SECONDS)
            unlock_times.append(time.perf_counter() - answered)
        store = server.store
    return Freshness(event_times, unlock_times, store)


@dataclass(frozen=True)
class SteadyMemory:
    seconds: float
    events: int
    rss_start_kb: int
    rss_end_kb: int
    rss_max_kb: int

    @property
    def growth(self) -> float:
        return self.rss_end_kb / self.rss_start_kb - 1 if self.rss_start_kb else 0.0


def rss_kb(pid: int) -> int:
    """The resident set of a process, from /proc (Linux); 0 where there is none."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


async def steady_memory(connection: Connection, *, seconds: float, rate_per_s: int,
                        warmup: float = 5.0, warmup_rate_per_s: int | None = None
                        ) -> SteadyMemory:
    """The server's RSS under a steady load of `rate_per_s` events/s in batches of 100,
    evaluator on, after `warmup` seconds at `warmup_rate_per_s` (by default the same
    rate) and at the end of `seconds` more."""
    warmup_rate = warmup_rate_per_s or rate_per_s
    async with evaluating_server(connection) as server, _client(server) as client:
        count = int(warmup_rate * warmup + rate_per_s * seconds) + 100
        stream = chunked(synthetic_events(count, now=datetime.now(UTC)), 100)
        started = due = time.perf_counter()
        start_kb = max_kb = sent = 0
        for chunk in stream:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            (await client.post("/api/v1/events/batch", json={"events": chunk})
             ).raise_for_status()
            sent += len(chunk)
            elapsed = time.perf_counter() - started
            due += len(chunk) / (warmup_rate if elapsed < warmup else rate_per_s)
            if not start_kb and elapsed >= warmup:
                start_kb = rss_kb(server.pid)
            max_kb = max(max_kb, rss_kb(server.pid))
            if elapsed >= warmup + seconds:
                break
        end_kb = rss_kb(server.pid)
    return SteadyMemory(seconds=seconds, events=sent, rss_start_kb=start_kb,
                        rss_end_kb=end_kb, rss_max_kb=max_kb)
