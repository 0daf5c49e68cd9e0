"""The registrar of `questlog achievements backfill`, `questlog players token` and
`questlog bench achievements`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from typing import Any

from tqdm import tqdm

from questlog.access.pseudonyms import Pseudonyms
from questlog.achievements.backfill import backfill, changed_ids
from questlog.achievements.book import Book
from questlog.achievements.definitions import DefinitionsError
from questlog.achievements.documents import BackfillRecord, PlayerProgress
from questlog.achievements.runtime import load_book
from questlog.achievements.tokens import PlayerTokens
from questlog.bench.achievements import add_achievements_benchmark
from questlog.cli.context import command_settings, documents
from questlog.settings import Settings
from questlog.store.connection import store_kind
from questlog.store.documents import StoredEvent


def add_achievement_commands(commands: Any, bench: Any) -> None:
    achievements = commands.add_parser("achievements", help="achievement definitions and progress")
    sub = achievements.add_subparsers(dest="achievements", required=True, metavar="ACTION")
    backfill = sub.add_parser(
        "backfill", help="evaluate new or changed achievements over the events still stored",
        description="Recompute achievements for every player from the stored events, unlocking "
        "them for players who already qualify (at the time of the qualifying event). Without "
        "--id: the achievements whose definition changed since their last backfill (all of "
        "them the first time). Restart the servers with the new definitions first.",
    )
    backfill.add_argument("--id", dest="ids", action="append", default=[], metavar="ID",
                          help="an achievement to backfill (repeatable)")
    backfill.set_defaults(run=_backfill)

    players = commands.add_parser("players", help="player tokens")
    players_sub = players.add_subparsers(dest="players", required=True, metavar="ACTION")
    token = players_sub.add_parser(
        "token", help="print a token that reads this player's achievements only",
        description="Signed with QUESTLOG_PLAYER_TOKEN_SECRET, valid for "
        "QUESTLOG_PLAYER_TOKEN_TTL_HOURS; the expiry goes to stderr.",
    )
    token.add_argument("user_id")
    token.add_argument("--scope", dest="scopes", action="append", choices=["read", "ingest"],
                       help="read (the default) and/or ingest (the player's own events)")
    token.set_defaults(run=_token)

    add_achievements_benchmark(bench)


def _book(settings: Settings) -> Book | None:
    try:
        return load_book(settings)
    except DefinitionsError as exc:
        print(exc, file=sys.stderr)
        return None


def _backfill(args: argparse.Namespace) -> int:
    settings = command_settings()
    book = _book(settings)
    if book is None:
        return 2
    unknown = [i for i in args.ids if i not in book.by_id]
    if unknown:
        print(f"unknown achievement(s) {unknown}; known: {sorted(book.by_id)}", file=sys.stderr)
        return 2
    return asyncio.run(_run_backfill(settings, book, args.ids))


async def _run_backfill(settings: Settings, book: Book, ids: list[str]) -> int:
    async with documents(settings):
        records = BackfillRecord.get_motor_collection()
        ids = ids or await changed_ids(book, records)
        if not ids:
            print("nothing to backfill: every achievement was backfilled as it is defined now")
            return 0
        report = await backfill(
            book=book, ids=ids, events=StoredEvent.get_motor_collection(),
            progress=PlayerProgress.get_motor_collection(), records=records,
            now=datetime.now(UTC),
            track=lambda players: tqdm(players, desc="backfill", unit="player"),
        )
    print(f"backfilled {', '.join(report.achievement_ids)} for {report.players} player(s)")
    return 0


def _token(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.player_token_secret and store_kind(settings.mongodb_url) != "local":
        print("QUESTLOG_PLAYER_TOKEN_SECRET is not set: the server would refuse a token signed "
              "here; set the same secret for both", file=sys.stderr)
        return 2
    settings = command_settings()  # a local run's secret is kept in its data dir
    player = Pseudonyms(secret=settings.player_id_secret, enabled=settings.pseudonymize)
    issued = PlayerTokens.from_settings(settings).issue(
        player.player(args.user_id), now=datetime.now(UTC),
        scopes=frozenset(args.scopes or ["read"]),
    )
    print(issued.token)
    print(f"expires at {issued.expires_at.isoformat()}", file=sys.stderr)
    return 0
