"""The registrar of `questlog demo`: fill the store with realistic events and roll them up."""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from questlog.bench.report import print_figures
from questlog.bootstrap import Questlog
from questlog.cli.context import command_settings, running_questlog
from questlog.demo.generate import COMPANIES, batches, demo_events
from questlog.stats.periods import days_from

PLAYER = "acme-01"


def add_demo_commands(commands: Any, bench: Any) -> None:
    demo = commands.add_parser(
        "demo", help="fill the store with a few weeks of realistic events of every catalog",
        description="Store demo events (a few dozen players of five companies, every catalog, "
        "over the last DAYS days), roll them up and evaluate achievements, so that every "
        "dashboard page shows real numbers. Idempotent: a second run stores nothing twice.",
    )
    demo.add_argument("--days", type=int, default=28, help="how far back (at most 29)")
    demo.add_argument("--seed", type=int, default=13)
    demo.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    if not 2 <= args.days <= 29:
        print("questlog demo: --days is 2..29 (events older than 30 days are refused)")
        return 2
    figures, links = asyncio.run(_demo(days=args.days, seed=args.seed))
    print_figures("questlog demo", figures)
    print("Designers: open http://127.0.0.1:8000/dashboard and sign in with the admin key "
          "(.questlog/secrets.json, or the log's export line).")
    print_figures("A player's page (the token lasts QUESTLOG_PLAYER_TOKEN_TTL_HOURS)",
                  [(PLAYER, f"http://127.0.0.1:8000/dashboard/player?token={links.pop(PLAYER)}")])
    print_figures("Company pages (demo-tiny has too few players to show)",
                  [(c, f"http://127.0.0.1:8000/dashboard/company-page?t={t}")
                   for c, t in links.items()])
    return 0


async def load_demo(questlog: Questlog, *, days: int, seed: int,
                    now: datetime | None = None) -> dict[str, int]:
    """Store the demo events, roll their days up, and wait for achievements."""
    now = now or datetime.now(UTC)
    events = demo_events(now=now, days=days, seed=seed)
    totals: Counter[str] = Counter()
    for batch in batches(events, questlog.settings.max_batch_events):
        result = await questlog.ingestor.ingest(batch)
        totals.update(accepted=result.accepted, duplicates=result.duplicates,
                      rejected=result.rejected)
    today = questlog.stats.today()
    run = await questlog.stats.recompute(
        days_from(today - timedelta(days=days), today), job="demo", source="cli")
    await questlog.sessions.settle(questlog.bus)
    session_ids = sorted({e["session_id"] for e in events if "session_id" in e})
    for session_id in session_ids:  # those without an end event too (earth, skills, exams)
        await questlog.sessions.service.close(session_id)
    await questlog.sessions.settle(questlog.bus)
    await achievements_caught_up(questlog)
    return {"events": len(events), **totals, "sessions_closed": len(session_ids),
            "days_rolled_up": len(run.days), "players": len({e["user_id"] for e in events})}


async def achievements_caught_up(questlog: Questlog, *, timeout: float = 300.0) -> None:
    """Wait until the evaluator applied every stored event (it works in its own task)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (await questlog.achievements.evaluator.lag()).pending:
        if loop.time() > deadline:
            raise RuntimeError(f"achievements still pending after {timeout:.0f} s")
        await asyncio.sleep(0.2)


async def _demo(*, days: int, seed: int) -> tuple[list[tuple[str, str]], dict[str, str]]:
    async with running_questlog(command_settings(scheduler_enabled=False)) as questlog:
        figures = await load_demo(questlog, days=days, seed=seed)
        links = await demo_tokens(questlog)
    return [(key, str(value)) for key, value in figures.items()], links


async def demo_tokens(questlog: Questlog) -> dict[str, str]:
    """A token for one demo player, and a new dashboard token for each demo company."""
    now = datetime.now(UTC)
    # read and ingest: the player page's demo session generator sends the player's events
    player = questlog.achievements.tokens.issue(PLAYER, now=now, scopes=frozenset({"read",
                                                                                 "ingest"}))
    tokens = {PLAYER: player.token}
    for company in COMPANIES:
        await questlog.access.companies.ensure(company)
        tokens[company] = (await questlog.access.companies.issue_token(company)).token
    return tokens
