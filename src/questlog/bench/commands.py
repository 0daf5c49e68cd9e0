"""The registrar of `questlog bench ingest` and `questlog bench raw`."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from questlog.bench.ingest import IngestTally, drive
from questlog.bench.raw import RawFigures, insert_raw
from questlog.bench.report import print_figures
from questlog.bench.server import own_server
from questlog.settings import Settings
from questlog.store.connection import Connection, connect_configured

TARGET_RATIO = 0.8  # issue 9: HTTP batch ingestion at >= 80% of the raw insert rate


def add_ingest_benchmarks(commands: Any, bench: Any) -> None:
    ingest = bench.add_parser(
        "ingest", help="HTTP ingestion: events/s, latency percentiles, rejects",
        description="Drive a Questlog server over HTTP. With no --url, start one of its own "
        "(on --mongodb-url, or on the configured store: by default the local server) and stop "
        "it afterwards.",
    )
    ingest.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000")
    ingest.add_argument("--key", help="an API key with the ingest scope (with --url)")
    ingest.add_argument("--mongodb-url", help="without --url: the MongoDB of the server it starts")
    _add_size_arguments(ingest)
    ingest.add_argument("--single", action="store_true",
                        help="one event per POST /api/v1/events; per-request latency")
    ingest.add_argument("--compare-raw", action="store_true",
                        help="then run `bench raw` on the same kind of store and print the ratio")
    ingest.set_defaults(run=_run_ingest, parser=ingest)

    raw = bench.add_parser(
        "raw", help="raw unordered insert_many rate of stored-size documents",
        description="Insert documents of the shape ingestion stores straight into MongoDB, "
        "into a scratch collection dropped afterwards.",
    )
    raw.add_argument("--mongodb-url", help="default: the configured store (QUESTLOG_MONGODB_URL; "
                     "unset: the local server; `memory`: an in-memory store)")
    _add_size_arguments(raw)
    raw.set_defaults(run=_run_raw)


def _add_size_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=_positive, default=20_000)
    parser.add_argument("--batch", type=_positive, default=500)
    parser.add_argument("--concurrency", type=_positive, default=4)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer")
    return value


def _run_ingest(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.parser
    if bool(args.url) != bool(args.key):
        parser.error("--url and --key go together")
    if args.url and args.compare_raw and not args.mongodb_url:
        parser.error("--compare-raw with --url needs --mongodb-url: the MongoDB behind that server")
    if args.single and args.compare_raw:
        parser.error("--compare-raw compares batch ingestion: leave out --single")
    # httpx (the own server's health checks) logs every request at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return asyncio.run(_ingest(args))


async def _ingest(args: argparse.Namespace) -> int:
    sizes = {"events": args.events, "batch": args.batch, "concurrency": args.concurrency}
    if args.url and not args.compare_raw:  # the server's own store is none of ours
        tally = await drive(url=args.url, key=args.key, single=args.single, **sizes)
        _print_ingest(args, tally, args.url)
        return 1 if tally.errors else 0
    connection = _connection(args)
    try:
        if args.url:
            tally = await drive(url=args.url, key=args.key, single=args.single, **sizes)
            _print_ingest(args, tally, args.url)
        else:
            async with own_server(connection) as server:
                tally = await drive(url=server.url, key=server.key, single=args.single, **sizes)
            _print_ingest(args, tally, f"own server (ingestion only) on the {server.store}")
        if args.compare_raw:
            raw = await insert_raw(connection=connection, **sizes)
            _print_raw(args, raw)
            _print_ratio(tally, raw)
    finally:
        connection.close()
    return 1 if tally.errors else 0


def _connection(args: argparse.Namespace) -> Connection:
    return connect_configured(Settings(), args.mongodb_url)


def _run_raw(args: argparse.Namespace) -> int:
    async def run() -> RawFigures:
        connection = _connection(args)
        try:
            return await insert_raw(connection=connection, events=args.events,
                                    batch=args.batch, concurrency=args.concurrency)
        finally:
            connection.close()

    _print_raw(args, asyncio.run(run()))
    return 0


def _print_ingest(args: argparse.Namespace, tally: IngestTally, target: str) -> None:
    shape = "single events" if args.single else f"batch {args.batch}"
    print_figures(
        f"bench ingest: {args.events} events, {shape}, concurrency {args.concurrency}, {target}",
        tally.figures(single=args.single),
    )


def _print_raw(args: argparse.Namespace, raw: RawFigures) -> None:
    print_figures(
        f"bench raw: {args.events} documents, batch {args.batch}, concurrency {args.concurrency}, "
        f"{raw.store}",
        raw.figures(),
    )


def _print_ratio(tally: IngestTally, raw: RawFigures) -> None:
    if not (tally.seconds and raw.seconds and raw.inserted):
        print_figures("ratio", [("HTTP batch / raw insert", "n/a")])
        return
    ratio = (tally.answered / tally.seconds) / (raw.inserted / raw.seconds)
    verdict = "met" if ratio >= TARGET_RATIO else "missed"
    print_figures("ratio", [
        ("HTTP batch / raw insert", f"{ratio:.0%} (target >= {TARGET_RATIO:.0%}: {verdict})"),
    ])
