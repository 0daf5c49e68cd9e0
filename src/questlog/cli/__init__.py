"""The `questlog` command.

Each part of Questlog adds its own commands: a registrar in REGISTRARS receives the
top-level subcommands and the `bench` subcommands and adds its parsers, each with
`set_defaults(run=FUNCTION)` where FUNCTION(args) returns the exit code. Commands
open the store and the services through cli/context.py, the command line's one
home for that.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from questlog.access.secrets_check import DevelopmentSecrets
from questlog.bench.commands import add_ingest_benchmarks
from questlog.bench.reads import add_reads_benchmark
from questlog.bench.summary import add_performance_benchmarks
from questlog.cli.access import add_access_commands
from questlog.cli.achievements import add_achievement_commands
from questlog.cli.dashboards import add_dashboard_commands
from questlog.cli.demo import add_demo_commands
from questlog.cli.ops import add_ops_commands
from questlog.cli.serve import add_serve_commands
from questlog.cli.sessions import add_session_commands
from questlog.cli.stats import add_stats_commands
from questlog.contracts.command import add_contracts
from questlog.store.local import LocalServerError

Subcommands = Any  # argparse's private _SubParsersAction
Registrar = Callable[[Subcommands, Subcommands], None]

REGISTRARS: list[Registrar] = [
    add_serve_commands, add_ingest_benchmarks, add_contracts, add_stats_commands,
    add_achievement_commands,
    add_access_commands,  # after achievements: it adds to their `players` command
    add_reads_benchmark,
    add_session_commands,
    add_ops_commands, add_demo_commands, add_dashboard_commands,
    add_performance_benchmarks,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="questlog", description="Questlog telemetry event store")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    bench_parser = commands.add_parser("bench", help="benchmarks that print their figures")
    bench = bench_parser.add_subparsers(dest="bench", required=True, metavar="BENCHMARK")
    for register in REGISTRARS:
        register(commands, bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (LocalServerError, DevelopmentSecrets) as exc:  # the message says what to do
        print(f"questlog {args.command}: {exc}", file=sys.stderr)
        return 2
