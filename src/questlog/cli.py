"""The `questlog` command.

Each part of Questlog adds its own commands: a registrar in REGISTRARS receives the
top-level subcommands and the `bench` subcommands and adds its parsers, each with
`set_defaults(run=FUNCTION)` where FUNCTION(args) returns the exit code.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
from collections.abc import Callable, Sequence
from typing import Any

from questlog.achievements.commands import add_achievement_commands
from questlog.bench.commands import add_ingest_benchmarks
from questlog.contracts.command import add_contracts
from questlog.settings import Settings
from questlog.stats.commands import add_stats_commands

Subcommands = Any  # argparse's private _SubParsersAction
Registrar = Callable[[Subcommands, Subcommands], None]


def with_dev_key(settings: Settings) -> Settings:
    """With no QUESTLOG_API_KEYS, generate an admin key for this run and say so."""
    if settings.api_key_scopes:
        return settings
    key = secrets.token_urlsafe(24)
    logging.getLogger("questlog").warning(
        "QUESTLOG_API_KEYS is not set: generated an admin key for this run: %s", key
    )
    return settings.model_copy(update={"api_keys": f"{key}:admin"})


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from questlog.api.app import create_app
    from questlog.api.limits import uvicorn_options

    settings = with_dev_key(Settings())
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", **uvicorn_options(settings))
    return 0


def add_serve(commands: Subcommands, bench: Subcommands) -> None:
    p = commands.add_parser("serve", help="run the HTTP API and the scheduled jobs")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(run=serve)


REGISTRARS: list[Registrar] = [
    add_serve, add_ingest_benchmarks, add_contracts, add_stats_commands, add_achievement_commands,
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
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
