"""The registrar of `questlog players erase|export|opt-out|opt-in` (beside `players token`)
and `questlog keys create|list|revoke`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from questlog import bootstrap
from questlog.cli.context import command_settings, running_questlog

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

    keys = subcommands_of(commands, "keys", "API keys created at run time, stored hashed")
    create = keys.add_parser("create", help="create a key and print it (shown this once)")
    create.add_argument("--name", required=True, help="who or what uses it")
    create.add_argument("--scope", dest="scopes", action="append", required=True,
                        choices=["ingest", "read", "admin"], help="repeatable")
    create.set_defaults(run=_key_create)
    keys.add_parser("list", help="the keys, without the keys").set_defaults(run=_key_list)
    revoke = keys.add_parser("revoke", help="revoke a key at once, for every process")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_key_revoke)


def run_with_questlog(work: Callable[[bootstrap.Questlog], Awaitable[T]]) -> T:
    """`work` on a Questlog of the command's own: no jobs, no evaluation."""
    async def main() -> T:
        settings = command_settings(scheduler_enabled=False, achievements_evaluator=False)
        async with running_questlog(settings) as questlog:
            return await work(questlog)

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


def _key_create(args: argparse.Namespace) -> int:
    async def work(questlog: bootstrap.Questlog) -> Any:
        return await questlog.access.keys.create(name=args.name, scopes=args.scopes)

    created = run_with_questlog(work)
    print(created.key)
    print(f"key_id {created.record['key_id']}, scopes {','.join(created.record['scopes'])}; "
          "store the key now: Questlog keeps only its hash", file=sys.stderr)
    return 0


def _key_list(args: argparse.Namespace) -> int:
    async def work(questlog: bootstrap.Questlog) -> list[dict[str, Any]]:
        return await questlog.access.keys.listed()

    for key in run_with_questlog(work):
        state = f"revoked {key['revoked_at']}" if key["revoked_at"] else "live"
        print(f"{key['key_id']}  {','.join(key['scopes']):20}  {state:30}  {key['name']}")
    return 0


def _key_revoke(args: argparse.Namespace) -> int:
    async def work(questlog: bootstrap.Questlog) -> dict[str, Any] | None:
        return await questlog.access.keys.revoke(args.key_id)

    revoked = run_with_questlog(work)
    if revoked is None:
        print(f"no key {args.key_id!r}", file=sys.stderr)
        return 2
    print(f"revoked {args.key_id} ({revoked['name']})")
    return 0
