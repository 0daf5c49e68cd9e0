"""`questlog bench reads`: what a page of GET /api/v1/events costs, and what it stops.

N stored events (the documents ingestion stores) are put straight into the store, then
pages are read through the app in this process (an ASGI client, no sockets): the first
page, the deepest page by number the skip bound allows, a page by cursor from the
middle of the list, and the refused deep page of issue 7. For each, the time it took
and the longest pause of the event loop meanwhile (a ticker that wakes every ms):
what /api/v1/health, other requests and SIGTERM would have waited.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import time
from contextlib import suppress
from typing import Any

import httpx

from questlog.api.app import create_app
from questlog.bench.raw import stored_documents
from questlog.bench.report import Figure, print_figures
from questlog.settings import Settings
from questlog.store.queries import After

EVENTS = "/api/v1/events"
SORT = [("event_time", -1), ("_id", -1)]


def add_reads_benchmark(commands: Any, bench: Any) -> None:
    reads = bench.add_parser(
        "reads", help="GET /api/v1/events: page latency by number and by cursor, loop pauses",
        description="Store N events in a scratch database, read pages of them through the "
        "app in this process, and print each page's time and the longest event-loop pause.",
    )
    reads.add_argument("--mongodb-url", help="default: the configured store (QUESTLOG_MONGODB_URL; "
                       "unset: the local server; `memory`: an in-memory store)")
    reads.add_argument("--events", type=int, default=50_000)
    reads.add_argument("--page-size", type=int, default=1000)
    reads.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    figures, store = asyncio.run(measure(
        mongodb_url=args.mongodb_url or Settings().mongodb_url, events=args.events,
        page_size=args.page_size,
    ))
    print_figures(f"bench reads: {args.events} events, page_size {args.page_size}, {store}",
                  figures)
    return 0


async def measure(
    *, mongodb_url: str | None, events: int, page_size: int
) -> tuple[list[Figure], str]:
    """The figures, and which store gave them."""
    key = secrets.token_urlsafe(16)
    settings = Settings(
        _env_file=None,
        mongodb_url=mongodb_url, database=f"questlog_bench_reads_{secrets.token_hex(4)}",
        api_keys=f"{key}:read", scheduler_enabled=False, achievements_evaluator=False,
        env="development",  # a scratch database of its own, on whatever store
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        database = app.state.questlog.store.database
        try:
            collection = database["events"]
            await collection.insert_many(stored_documents(events), ordered=False)
            middle = await collection.find({}).sort(SORT).skip(events // 2).limit(1).to_list(1)
            cursor = After(middle[0]["event_time"], middle[0]["_id"]).token() if middle else ""
            deepest = settings.max_page_skip // page_size + 1
            reads: list[tuple[str, dict[str, Any]]] = [
                ("first page", {"page_size": page_size}),
                (f"page {deepest} (the deepest allowed)", {"page": deepest,
                                                           "page_size": page_size}),
                ("by cursor from the middle", {"page_size": page_size, "after": cursor}),
                ("page 1000000 (refused)", {"page": 1_000_000, "page_size": page_size}),
            ]
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                         headers={"Authorization": f"Bearer {key}"}) as client:
                figures = [await _timed(client, label, params) for label, params in reads]
        finally:
            await app.state.questlog.store.client.drop_database(database.name)
        return figures, app.state.questlog.store.connection.where


async def _timed(client: httpx.AsyncClient, label: str, params: dict[str, Any]) -> Figure:
    longest, last = 0.0, time.perf_counter()

    async def ticker() -> None:
        nonlocal longest, last
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            longest, last = max(longest, now - last), now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    response = await client.get(EVENTS, params=params)
    finished = time.perf_counter()
    longest = max(longest, finished - last)  # a pause lasting until the answer counts too
    ticking.cancel()
    with suppress(asyncio.CancelledError):
        await ticking
    answer = f"{response.status_code}, {len(response.json().get('data') or [])} events"
    pause = f"longest loop pause {longest * 1000:7.1f} ms"
    return label, f"{(finished - started) * 1000:8.1f} ms, {pause} ({answer})"
