"""`questlog bench today`: today so far, refreshed by folding K new events into a day
of N, against the whole-day rollup of the same day, in the same run on the same server.

N synthetic events (bench.rollup's mix) of one day, received before a moment T0, go
into a scratch database with the events' indexes and the TTL index on received_at
(what the fold's query goes through); the day is rolled up once, then rebuilt whole
again, timed (stats.today's full recompute, replacing its buckets as the 5-minute job
did before it folded; it leaves the cursor). Then K more events of the day, received
after T0, are inserted and today's refresh folds them in, timed. The clock is the
bench's own, so the settle lag is passed by moving it, not by waiting. The ratio
refresh / whole day is what the 5-minute job saves; the week it rebuilds after
either is timed apart. The scratch database is dropped.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice

from questlog.batching import chunked
from questlog.bench.report import Figure, rate
from questlog.bench.rollup import _load, synthetic_documents
from questlog.bench.synthetic import MIX, PLAYERS
from questlog.stats.documents import DailyStat, WeeklyStat
from questlog.stats.periods import Calendar
from questlog.stats.rollup import Rollup
from questlog.stats.today import CURSORS, Today
from questlog.stats.writer import Tally
from questlog.store.connection import Connection
from questlog.store.documents import StoredEvent

SETTLE = timedelta(seconds=30)


@dataclass(frozen=True)
class TodayFigures:
    events: int
    new: int
    full: Tally
    full_seconds: float
    refresh: Tally
    refresh_seconds: float
    folded: bool
    week_seconds: float  # the week of the day, rebuilt from its days (the job does it too)
    store: str

    def figures(self) -> list[Figure]:
        ratio = self.refresh_seconds / self.full_seconds if self.full_seconds else 0.0
        return [
            ("whole-day rollup", f"{self.full_seconds:.2f} s for a day of {self.events} events "
                                 f"({rate(self.full.events_read, self.full_seconds)} events/s), "
                                 f"{self.full.written} documents written"),
            ("today so far", f"refresh after {self.new} new events on a day of {self.events}: "
                             f"{self.refresh_seconds:.3f} s, {self.refresh.events_read} events "
                             f"read, {self.refresh.written} documents merged"
                             + ("" if self.folded else " (NOT folded: rebuilt whole)")),
            ("refresh / whole day", f"{ratio:.4f}"),
            ("its week", f"{self.week_seconds:.3f} s: the game's and companies' week rebuilt "
                         f"from its days, as the 5-minute job does after either"),
        ]


async def bench_today(
    *, connection: Connection, database: str, time_zone: str, events: int, new: int,
    batch: int, players: int = PLAYERS,
) -> TodayFigures:
    client = connection.client
    scratch = f"{database}_bench_today_{secrets.token_hex(4)}"
    db = client[scratch]
    calendar = Calendar(time_zone)
    day = calendar.day_of(datetime.now(UTC)) - timedelta(days=1)  # a whole day, as "today"
    t0 = calendar.midnight(day) + timedelta(hours=20)
    now = [t0 + SETTLE]
    rng = random.Random(11)
    try:
        documents = synthetic_documents(events + new, days=[day], calendar=calendar, now=t0,
                                        players=players, types=len(MIX))
        old = (dict(d, received_at=t0 - timedelta(seconds=rng.uniform(1, 72_000)))
               for d in islice(documents, events))
        await _load(db, old, events, batch)
        await db[StoredEvent.Settings.name].create_index("received_at")
        rollup = Rollup(events=db[StoredEvent.Settings.name], daily=db[DailyStat.Settings.name],
                        weekly=db[WeeklyStat.Settings.name], calendar=calendar)
        today = Today(rollup=rollup, events=db[StoredEvent.Settings.name],
                      daily=db[DailyStat.Settings.name], cursors=db[CURSORS],
                      time_zone=time_zone, settle=SETTLE, clock=lambda: now[0])
        await today.full(day)  # the day's first rollup inserts its buckets
        started = time.perf_counter()  # timed: a rebuild replacing them, as every 5 minutes
        full = await today.full(day)
        full_seconds = time.perf_counter() - started
        fresh = [dict(d, received_at=t0 + timedelta(seconds=rng.uniform(0, 290)))
                 for d in islice(documents, new)]
        for chunk in chunked(iter(fresh), batch):
            await db[StoredEvent.Settings.name].insert_many(chunk, ordered=False)
        now[0] = t0 + timedelta(minutes=5) + SETTLE
        started = time.perf_counter()
        refresh = await today.refresh(day)
        refresh_seconds = time.perf_counter() - started
        started = time.perf_counter()
        await rollup.week(day - timedelta(days=day.weekday()))
        week_seconds = time.perf_counter() - started
    finally:
        await client.drop_database(scratch)
    return TodayFigures(
        events=events, new=new, full=full, full_seconds=full_seconds,
        refresh=refresh or Tally(), refresh_seconds=refresh_seconds,
        folded=refresh is not None, week_seconds=week_seconds, store=connection.where,
    )

