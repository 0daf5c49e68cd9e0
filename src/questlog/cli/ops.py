"""The registrar of `questlog export` and `questlog export stats`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from questlog.bench.export import bench_export
from questlog.bench.report import print_figures, progress
from questlog.cli.context import command_settings, running_questlog
from questlog.ops.export.files import FORMATS
from questlog.ops.export.plan import BadExport, ExportRequest
from questlog.ops.export.tables import items_csv
from questlog.ops.replay import BadFilter, ReplayFilter
from questlog.ops.wiring import replayer_of
from questlog.stats.periods import Rejected
from questlog.stats.reads import WithheldForPrivacy, stats_query


def add_ops_commands(commands: Any, bench: Any) -> None:
    export = commands.add_parser(
        "export", help="raw events out as Parquet, NDJSON or CSV files (or `export stats`)",
        description="Write the raw events of a range of days (or, with --since-last, those "
        "received since the last export) to OUT as date=DAY/catalog=CATALOG/ files, "
        "with a _manifest-*.json. OUT may be a directory or a URL pyarrow opens (s3://...).",
    )
    export.add_argument("--from", dest="first", type=date.fromisoformat, metavar="DAY",
                        help="first event day, YYYY-MM-DD (bucket time zone)")
    export.add_argument("--to", dest="last", type=date.fromisoformat, metavar="DAY",
                        help="last event day, included")
    export.add_argument("--since-last", action="store_true",
                        help="what was received since the last --since-last export")
    export.add_argument("--type", action="append", dest="types", metavar="TYPE",
                        help="only this event type (repeatable)")
    export.add_argument("--format", choices=FORMATS, default="parquet")
    export.add_argument("--out", metavar="DIR")
    export.set_defaults(run=_run_export)
    what = export.add_subparsers(dest="what", metavar="WHAT")
    stats = what.add_parser("stats", help="daily or weekly aggregates of one type as CSV")
    stats.add_argument("--type", dest="event_type", required=True)
    stats.add_argument("--scope", choices=["global", "company", "user"], default="global")
    stats.add_argument("--company-id")
    stats.add_argument("--user-id")
    stats.add_argument("--period", choices=["daily", "weekly"], default="daily")
    stats.add_argument("--from", dest="stats_first", type=date.fromisoformat, metavar="DAY")
    stats.add_argument("--to", dest="stats_last", type=date.fromisoformat, metavar="DAY")
    stats.add_argument("--out", dest="stats_out", metavar="FILE", help="default: stdout")
    stats.set_defaults(run=_run_export_stats)


    rejected = commands.add_parser(
        "rejected", help="the quarantine of rejected events: `rejected replay`",
    )
    actions = rejected.add_subparsers(dest="action", required=True, metavar="ACTION")
    replay = actions.add_parser(
        "replay", help="validate quarantined events again; store those that pass, once",
    )
    replay.add_argument("--code", action="append", dest="codes", metavar="CODE",
                        help="only rejections of this code (repeatable)")
    replay.add_argument("--from", dest="start", type=_instant, metavar="TIME",
                        help="received at or after (ISO 8601; a date is midnight UTC)")
    replay.add_argument("--to", dest="end", type=_instant, metavar="TIME",
                        help="received before")
    replay.add_argument("--id", action="append", dest="ids", metavar="ID",
                        help="a quarantine record's id (repeatable)")
    replay.set_defaults(run=_run_replay)


    bench_export = bench.add_parser(
        "export", help="the export's rows/s and bytes per row, per format, over N events",
        description="Load N synthetic events into a scratch database of the configured store "
        "(QUESTLOG_MONGODB_URL), export them as Parquet, NDJSON and CSV, print the figures, "
        "drop the database.",
    )
    bench_export.add_argument("--events", type=int, default=20_000)
    bench_export.set_defaults(run=_run_bench_export)


def _run_bench_export(args: argparse.Namespace) -> int:
    title, figures = asyncio.run(bench_export(args.events))
    print_figures(title, figures)
    return 0


def _instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _run_replay(args: argparse.Namespace) -> int:
    where = ReplayFilter(
        codes=frozenset(args.codes) if args.codes else None, start=args.start, end=args.end,
        ids=frozenset(args.ids) if args.ids else None,
    )
    return asyncio.run(_replay(where))


async def _replay(where: ReplayFilter) -> int:
    async with running_questlog(command_settings(scheduler_enabled=False)) as questlog:
        replayer = replayer_of(questlog)
        try:
            total = await replayer.count(where)
            with progress(total, "records") as bar:
                report = await replayer.replay(where, progress=bar.update)
        except BadFilter as exc:
            print(f"questlog rejected replay: {exc}", file=sys.stderr)
            return 2
    print_figures("replay of quarantined events",
                  [(k, str(v)) for k, v in report.public().items()])
    return 0


def _run_export(args: argparse.Namespace) -> int:
    if not args.out:
        print("questlog export: --out DIR is required", file=sys.stderr)
        return 2
    request = ExportRequest(
        out=args.out, file_format=args.format, first=args.first, last=args.last,
        types=frozenset(args.types) if args.types else None, since_last=args.since_last,
    )
    return asyncio.run(_export(request))


async def _export(request: ExportRequest) -> int:
    async with running_questlog(command_settings(scheduler_enabled=False)) as questlog:
        exporter = questlog.ops.exporter
        try:
            total = await exporter.count(request)
        except BadExport as exc:
            print(f"questlog export: {exc}", file=sys.stderr)
            return 2
        with progress(total, "events") as bar:
            result = await exporter.export(request, source="cli", progress=bar.update)
    run = result.run
    print_figures(f"export to {request.out}: {run.status}", [
        ("rows", str(run.rows)), ("files", str(run.files)), ("bytes", str(run.bytes)),
        ("manifest", str(run.manifest)), ("errors", str(run.errors)),
    ])
    return 1 if run.errors else 0


def _run_export_stats(args: argparse.Namespace) -> int:
    return asyncio.run(_export_stats(args))


async def _export_stats(args: argparse.Namespace) -> int:
    async with running_questlog(command_settings(scheduler_enabled=False)) as questlog:
        try:
            query = stats_query(
                event_type=args.event_type, scope=args.scope, company_id=args.company_id,
                user_id=args.user_id, period=args.period, first=args.stats_first,
                last=args.stats_last, today=questlog.stats.today(),
            )
            items, _ = await questlog.stats.read(query)
        except (Rejected, WithheldForPrivacy) as exc:
            print(f"questlog export stats: {exc}", file=sys.stderr)
            return 2
    text = items_csv(items)
    if args.stats_out:
        Path(args.stats_out).write_text(text)
        print(f"{len(items)} rows written to {args.stats_out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
