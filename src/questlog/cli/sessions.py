"""`questlog sessions sweep` (the sweep job, once, now) and `questlog bench sessions`."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from questlog.bench.report import latency_figures, print_figures, rate
from questlog.bootstrap import Questlog, start
from questlog.cli.context import command_settings, running_questlog
from questlog.settings import Settings
from questlog.store.connection import connect_configured

SKILL_MIX = ("task_start", "task_complete", "choice_made", "retry", "failure", "recovery",
             "distraction", "collaboration")


def add_session_commands(commands: Any, bench: Any) -> None:
    sessions = commands.add_parser("sessions", help="sessions: run the sweep job once")
    actions = sessions.add_subparsers(dest="action", required=True, metavar="ACTION")
    sweep = actions.add_parser("sweep", help="summarize what was missed, close idle sessions")
    sweep.set_defaults(run=_run_sweep)

    b = bench.add_parser(
        "sessions", help="sessions: ingestion with and without the worker, closes, a sweep",
        description="In process, in a scratch database (dropped) of --mongodb-url or the "
        "configured store (by default the local server): store interleaved sessions' events "
        "with the sessions worker off, "
        "then on until every session is summarized (alternating rounds, medians), then "
        "close every session and sweep.",
    )
    b.add_argument("--mongodb-url", help="default: the configured store")
    b.add_argument("--sessions", type=int, default=200)
    b.add_argument("--events-per-session", type=int, default=100)
    b.add_argument("--batch", type=int, default=500)
    b.add_argument("--rounds", type=int, default=3)
    b.set_defaults(run=_run_bench)


def _run_sweep(args: argparse.Namespace) -> int:
    return asyncio.run(_sweep())


async def _sweep() -> int:
    async with running_questlog(command_settings(scheduler_enabled=False)) as questlog:
        result = await questlog.sessions.sweeper.run()
    print_figures("sweep_sessions", [(k, str(v)) for k, v in vars(result).items()])
    return 0


def events_of(sessions: int, per_session: int, *, run: str) -> list[dict[str, Any]]:
    """Round robin over the sessions, as concurrent players send them; one per second each."""
    start_at = datetime.now(UTC) - timedelta(hours=2)
    out = []
    for i in range(per_session):
        for s in range(sessions):
            kind = SKILL_MIX[(i + s) % len(SKILL_MIX)]
            event: dict[str, Any] = {
                "type": kind, "event_id": f"{run}-{s}-{i}", "session_id": f"{run}-s{s}",
                "user_id": f"student-{s % 50}",
                "occurred_at": (start_at + timedelta(seconds=i)).isoformat(),
            }
            if kind.startswith("task_"):
                event["task_id"] = f"t{i // len(SKILL_MIX)}"
            out.append(event)
    return out


async def _store(questlog: Questlog, events: list[dict[str, Any]], batch: int) -> None:
    for i in range(0, len(events), batch):
        await questlog.ingestor.ingest(events[i:i + batch])


async def _phase(
    base: Settings, *, worker: bool, run: str, sessions: int, per_session: int, batch: int
) -> tuple[float, float, Questlog]:
    """Store the events with the worker on or off; (stored, summarized) seconds."""
    questlog = await start(base.model_copy(update={"sessions_worker": worker}))
    events = events_of(sessions, per_session, run=run)
    started = time.perf_counter()
    await _store(questlog, events, batch)
    stored = time.perf_counter() - started
    await questlog.sessions.settle(questlog.bus)
    return stored, time.perf_counter() - started, questlog


async def _bench(
    url: str | None, sessions: int, per_session: int, batch: int, rounds: int
) -> list[Any]:
    database = f"questlog_bench_{secrets.token_hex(4)}"
    connection = connect_configured(Settings(), url)  # holds the local server for every phase
    base = Settings(_env_file=None, mongodb_url=connection.url, database=database,
                    api_keys="bench:admin", scheduler_enabled=False,
                    achievements_evaluator=False, env="development")
    size = {"sessions": sessions, "per_session": per_session, "batch": batch}
    off: list[float] = []
    on: list[tuple[float, float]] = []
    try:
        # Alternating rounds, medians: the machine's load changes between phases.
        for r in range(rounds):
            alone, _, quiet = await _phase(base, worker=False, run=f"off{r}", **size)
            await quiet.close()
            off.append(alone)
            stored, settled, questlog = await _phase(base, worker=True, run=f"on{r}", **size)
            on.append((stored, settled))
            if r < rounds - 1:
                await questlog.close()
        try:
            closes = []
            for s in range(sessions):
                t = time.perf_counter()
                await questlog.sessions.service.close(f"on{rounds - 1}-s{s}")
                closes.append(time.perf_counter() - t)
            t = time.perf_counter()
            missed = await questlog.sessions.sweeper.run()  # the worker-off sessions
            catch_up = time.perf_counter() - t
            t = time.perf_counter()
            await questlog.sessions.sweeper.run()
            sweep = time.perf_counter() - t
        finally:
            await questlog.close()
    finally:
        await connection.client.drop_database(database)
        connection.close()
    n = sessions * per_session
    alone = statistics.median(off)
    stored = statistics.median(s for s, _ in on)
    settled = statistics.median(s for _, s in on)
    return [
        (f"events/s, sessions worker off (median of {rounds})", rate(n, alone)),
        ("events/s stored, worker on", rate(n, stored)),
        ("events/s until every session summarized", rate(n, settled)),
        ("summarized ÷ worker off (time)", f"{settled / alone:.2f}"),
        *latency_figures(f"close of a {per_session}-event session", closes),
        ("sweep catching up missed sessions",
         f"{catch_up * 1000:.1f} ms ({missed.summarized} summarized, {missed.closed_idle} "
         "closed idle)"),
        ("sweep with nothing missed",
         f"{sweep * 1000:.1f} ms ({missed.looked_at} sessions in its window)"),
    ]


def _run_bench(args: argparse.Namespace) -> int:
    figures = asyncio.run(_bench(args.mongodb_url, args.sessions, args.events_per_session,
                                 args.batch, args.rounds))
    store = args.mongodb_url or "embedded in-memory store"
    print_figures(f"bench sessions: {args.sessions} sessions x {args.events_per_session} events, "
                  f"batch {args.batch}, on {store}", figures)
    return 0
