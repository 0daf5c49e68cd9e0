"""The registrar of `questlog jobs`, `questlog rollup` and `questlog bench rollup`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import date
from typing import Any

from jobs import JOBS
from jobs.scheduler import JobScheduler
from questlog.bench.report import print_figures, progress
from questlog.bench.rollup import RUNS, bench_rollup
from questlog.bench.server import on_store
from questlog.bench.synthetic import MAX_TYPES, MIX, MORE
from questlog.bench.today import bench_today
from questlog.cli.context import command_settings, running_questlog
from questlog.collector import settle_long_running
from questlog.ops.jobs import OPS_JOB_NAMES, operations_jobs
from questlog.settings import Settings
from questlog.stats.documents import Lease
from questlog.stats.lease import Leases
from questlog.stats.periods import Rejected

log = logging.getLogger(__name__)

def add_stats_commands(commands: Any, bench: Any) -> None:
    jobs = commands.add_parser(
        "jobs", help="run the scheduled jobs as a process of their own, until interrupted",
        description="Run the rollup jobs on their schedule (whatever "
        "QUESTLOG_SCHEDULER_ENABLED says); a lease in MongoDB keeps each job to one process.",
    )
    jobs.add_argument("--once", choices=[*(job.name for job in JOBS), *OPS_JOB_NAMES],
                      help="run this job once now (under its lease) and exit")
    jobs.set_defaults(run=_run_jobs)

    rollup = commands.add_parser(
        "rollup", help="recompute the daily statistics of a range of days, and their weeks",
    )
    rollup.add_argument("--from", dest="first", type=date.fromisoformat, required=True,
                        metavar="DAY", help="first day, YYYY-MM-DD (bucket time zone)")
    rollup.add_argument("--to", dest="last", type=date.fromisoformat, required=True,
                        metavar="DAY", help="last day, YYYY-MM-DD, included")
    rollup.set_defaults(run=_run_rollup)

    bench_parser = bench.add_parser(
        "rollup", help="time the daily and weekly rollups over N synthetic events",
        description="Load N events over 14 days into a scratch database of the configured "
        "store (QUESTLOG_MONGODB_URL: unset is the local server, `memory` an in-memory one), "
        "time the rollups, drop it.",
    )
    bench_parser.add_argument(
        "--events", type=int, default=20_000,
        help="default 20000, which the in-memory store rolls up in minutes; the dense "
        "day is --events 1000000 --days 1 --players 50000 --types 10",
    )
    bench_parser.add_argument("--batch", type=int, default=10_000)
    bench_parser.add_argument("--days", type=int, default=14, help="days the events span")
    bench_parser.add_argument("--players", type=int, default=1000)
    bench_parser.add_argument("--types", type=int, default=len(MIX),
                              choices=range(1, MAX_TYPES + 1), metavar="N",
                              help=f"event types (1-{MAX_TYPES}): the first N of the politics "
                              f"mix's {len(MIX)}, then gameplay's "
                              f"{', '.join(t for t, _, _ in MORE)} (default {len(MIX)})")
    bench_parser.add_argument("--runs", type=int, default=RUNS, choices=range(1, 10),
                              metavar="N", help="time the rollups and floors in N rounds "
                              f"(1-9), the best run of each counts (default {RUNS})")
    bench_parser.add_argument("--mongodb-url", help="default: QUESTLOG_MONGODB_URL")
    bench_parser.set_defaults(run=_run_bench)

    today = bench.add_parser(
        "today", help="time today's refresh after K new events against the whole-day rollup",
        description="Load a day of N events into a scratch database, rebuild it whole, add K "
        "events, time the refresh that folds them in (stats/today.py), drop it.",
    )
    today.add_argument("--events", type=int, default=200_000, help="the day's events (N)")
    today.add_argument("--new", type=int, default=1_000, help="events since the last refresh (K)")
    today.add_argument("--batch", type=int, default=10_000)
    today.add_argument("--players", type=int, default=1000)
    today.add_argument("--mongodb-url", help="default: QUESTLOG_MONGODB_URL")
    today.set_defaults(run=_run_bench_today)


def _run_bench_today(args: argparse.Namespace) -> int:
    settings = Settings()
    figures = asyncio.run(on_store(args.mongodb_url, lambda connection: bench_today(
        connection=connection, database=settings.database, time_zone=settings.bucket_tz,
        events=args.events, new=args.new, batch=args.batch, players=args.players,
    )))
    print_figures(f"bench today: a day of {args.events} events, {args.new} new, "
                  f"{figures.store}", figures.figures())
    return 0 if figures.folded else 1


def _run_jobs(args: argparse.Namespace) -> int:
    return asyncio.run(_jobs(args.once))


async def _jobs(once: str | None) -> int:
    async with running_questlog(command_settings(scheduler_enabled=once is None)) as questlog:
        if once is None:
            stop = asyncio.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                asyncio.get_running_loop().add_signal_handler(sig, stop.set)
            log.info("running the jobs %s; stop with Ctrl-C or SIGTERM",
                     ", ".join(job.name for job in JOBS))
            settle_long_running()  # as `questlog serve`, which runs the same jobs
            await stop.wait()
            return 0
        ops = questlog.ops
        known = [*JOBS, *operations_jobs(questlog.settings, ops.exporter, ops.metrics,
                                         ops.hooks.acknowledged)]
        job = next((job for job in known if job.name == once), None)
        if job is None:  # export_events without QUESTLOG_EXPORT_DIR
            print(f"{once} is not configured here (see docs/operations.md)", file=sys.stderr)
            return 2
        leases = Leases(Lease.get_motor_collection())
        run = await JobScheduler(jobs=[job], stats=questlog.stats, leases=leases).run_once(job)
    if run is None:
        print(f"{once} is running in another process right now", file=sys.stderr)
        return 1
    print_figures(f"{once}: {run.status}", _run_figures(run.public()))
    return 1 if run.errors else 0


def _run_rollup(args: argparse.Namespace) -> int:
    return asyncio.run(_rollup(args.first, args.last))


async def _rollup(first: date, last: date) -> int:
    try:
        async with running_questlog(command_settings(scheduler_enabled=False)) as questlog:
            with progress(max((last - first).days + 1, 0), "days") as bar:
                run = await questlog.stats.recompute_range(
                    first, last, source="cli", on_day=lambda _: bar.update(1)
                )
    except Rejected as exc:
        print(f"questlog rollup: {exc} ({exc.code})", file=sys.stderr)
        return 2
    print_figures(f"rollup {first}..{last}: {run.status}", _run_figures(run.public()))
    return 1 if run.errors else 0


def _run_figures(run: dict[str, Any]) -> list[tuple[str, str]]:
    keys = ("days", "weeks", "skipped_days", "events_read", "documents_written",
            "documents_deleted", "duration_s", "errors", "warnings")
    return [(key, str(run[key])) for key in keys]


def _run_bench(args: argparse.Namespace) -> int:
    settings = Settings()
    figures = asyncio.run(on_store(args.mongodb_url, lambda connection: bench_rollup(
        connection=connection, database=settings.database, time_zone=settings.bucket_tz,
        events=args.events, batch=args.batch, days=args.days, players=args.players,
        types=args.types, runs=args.runs,
    )))
    print_figures(f"bench rollup: {args.events} events over {args.days} days, "
                  f"{args.players} players, {args.types} types, {figures.store}",
                  figures.figures())
    return 0
