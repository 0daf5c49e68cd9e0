"""The registrar of `questlog players erase|export|opt-out|opt-in` (beside `players token`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from questlog import bootstrap
from questlog.settings import Settings

T = TypeVar("T")


def subcommands_of(commands: Any, name: str, help: str) -> Any:
    """The subcommands of `questlog NAME`, adding NAME if no other part has yet (argparse
    keeps a parser's subcommands in its private actions: this is the one place that knows)."""
    parser = commands.choices.get(name) or commands.add_parser(name, help=help)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest=name, required=True, metavar="ACTION")


def add_access_commands(commands: Any, bench: Any) -> None:
    players = subcommands_of(commands, "players", "player tokens, privacy requests")
    erase = players.add_parser(
        "erase", help="erase everything of this player and print the receipt",
        description="Removes the player's events, quarantined events, progress, sessions, "
        "per-player statistics and tokens, and recomputes the company and global statistics "
        "of the days they touched. Idempotent.")
    erase.add_argument("user_id")
    erase.set_defaults(run=_erase)
    export = players.add_parser("export", help="write everything held about this player as NDJSON")
    export.add_argument("user_id")
    export.add_argument("--out", type=Path, help="a file (default: standard output)")
    export.set_defaults(run=_export)
    for action, opted_out in (("opt-out", True), ("opt-in", False)):
        p = players.add_parser(action, help=f"{action} this player (events dropped while out)")
        p.add_argument("user_id")
        p.set_defaults(run=_opt, opted_out=opted_out)


def offline(settings: Settings) -> Settings:
    """A command's Questlog: no jobs, no evaluation, only the store and the services."""
    return settings.model_copy(update={"scheduler_enabled": False, "achievements_evaluator": False})


def run_with_questlog(work: Callable[[bootstrap.Questlog], Awaitable[T]]) -> T:
    async def main() -> T:
        questlog = await bootstrap.start(offline(Settings()))
        try:
            return await work(questlog)
        finally:
            await questlog.close()

    return asyncio.run(main())


def _erase(args: argparse.Namespace) -> int:
    async def work(questlog: bootstrap.Questlog) -> dict[str, Any]:
        return await questlog.access.erasing().erase(questlog.access.player_id(args.user_id))

    print(json.dumps(run_with_questlog(work), default=str, indent=2))
    return 0


def _export(args: argparse.Namespace) -> int:
    async def work(questlog: bootstrap.Questlog) -> int:
        out = args.out.open("wb") if args.out else sys.stdout.buffer
        lines = 0
        try:
            async for line in questlog.access.erasing().export(
                    questlog.access.player_id(args.user_id)):
                out.write(line)
                lines += 1
        finally:
            if args.out:
                out.close()
        return lines

    lines = run_with_questlog(work)
    print(f"{lines} line(s) written", file=sys.stderr)
    return 0


def _opt(args: argparse.Namespace) -> int:
    async def work(questlog: bootstrap.Questlog) -> dict[str, object]:
        player = questlog.access.player_id(args.user_id)
        return await questlog.access.flags.set_opted_out(player, args.opted_out)

    print(json.dumps(run_with_questlog(work)))
    return 0
