"""`questlog bench rollup`: how long the daily and weekly rollups take over N events.

N synthetic events (the politics mix of seed 003, and gameplay's xp_gain for a tenth
type; by default 1000 players in 50 companies over the 14 days before today, or --days,
--players, --types) go through check_event into a scratch database with the indexes of
the events collection, by big unordered batches. Then every day is rolled up from the
raw events and every week from the days, timed apart, and, on the same server, the
floors: (a) one server-side $group pass over the same events and (b) unordered
insert_many of a copy of every daily document the rollup wrote (so as many documents, of
the same sizes). The four are timed in `runs` rounds (default five), each round all
four in turn, and the best of each counts: the rollups each time from empty collections
by a new Rollup, so that a stall of the shared machine during one run decides no ratio,
either way. Each round's own daily / (a + b) is printed beside, so that the machine's
spread shows. Targets: daily / (a + b) <= 1.5, and the weekly rollup <= 0.5 x the daily
one. The scratch database is dropped afterwards.
"""

from __future__ import annotations

import math
import random
import secrets
import time
from collections.abc import AsyncGenerator, Iterator
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from questlog.batching import chunked
from questlog.bench.raw import emptied, stored_event
from questlog.bench.report import Figure, progress, rate
from questlog.bench.synthetic import MIX, PLAYERS, synthetic_events
from questlog.collector import as_long_running
from questlog.ingest.validation import Context
from questlog.stats import compiled
from questlog.stats.documents import DailyStat, WeeklyStat
from questlog.stats.helper import Helper, helper_for
from questlog.stats.periods import Calendar, days_from, weeks_of
from questlog.stats.rollup import Rollup
from questlog.stats.writer import Tally
from questlog.store.connection import Connection
from questlog.store.documents import StoredEvent
from questlog.store.types import MotorDatabase

DAYS = 14
# Each timing is the best of this many runs: a stall must decide no ratio. Five since
# stop 35, as the report's batch ingestion: with three, one busy stretch of the shared
# machine could hold all of one side's runs (the default load's daily rollup missed
# once in seven reports of stop 34 at 1.58, its rounds 1.3-1.5 otherwise).
RUNS = 5
DAILY_TARGET, WEEKLY_TARGET = 1.5, 0.5  # rollup / floor; weekly / daily


def ratio_to_floor(daily_seconds: float, floor_seconds: float) -> float:
    """The daily rollup's time over its floor's, (a) + (b)."""
    return daily_seconds / floor_seconds if floor_seconds else math.inf


@dataclass(frozen=True)
class RollupFigures:
    events: int
    load_seconds: float
    days: int
    daily: Tally
    daily_seconds: float
    weeks: int
    weekly: Tally
    weekly_seconds: float
    group_seconds: float  # floor (a): one server-side $group pass over the same events
    insert_seconds: float  # floor (b): one unordered insert_many of as many documents
    runs: int  # each of the four times above is the best of this many runs
    store: str
    # daily / (a + b) within each round: how far the shared machine moved it
    round_ratios: tuple[float, ...]

    @property
    def floor_seconds(self) -> float:
        return self.group_seconds + self.insert_seconds

    @property
    def daily_ratio(self) -> float:
        return ratio_to_floor(self.daily_seconds, self.floor_seconds)

    @property
    def weekly_ratio(self) -> float:
        return self.weekly_seconds / self.daily_seconds if self.daily_seconds else math.inf

    @property
    def each_round(self) -> str:
        """The rounds' own daily / (a + b), in order, as printed."""
        return ", ".join(f"{ratio:.2f}" for ratio in self.round_ratios)

    def figures(self) -> list[Figure]:
        met = {True: "met", False: "missed"}
        return [
            ("loaded", f"{self.events} events in {self.load_seconds:.2f} s "
                       f"({rate(self.events, self.load_seconds)} events/s)"),
            ("daily rollup", f"{self.days} days in {self.daily_seconds:.2f} s: "
                             f"{self.daily.events_read} events read "
                             f"({rate(self.daily.events_read, self.daily_seconds)} events/s), "
                             f"{self.daily.written} documents written (one per owner; "
                             f"best of {self.runs})"),
            ("in C", f"the rollup does {compiled.HOW}"),
            ("weekly rollup", f"{self.weeks} weeks in {self.weekly_seconds:.2f} s: "
                              f"{self.weekly.written} documents written from daily ones "
                              f"(best of {self.runs})"),
            ("floor (a) $group", f"{self.group_seconds:.2f} s: one server-side $group pass "
                                 f"over the same events (best of {self.runs})"),
            ("floor (b) insert", f"{self.insert_seconds:.2f} s: one unordered insert_many "
                                 f"of a copy of each of the {self.daily.written} daily documents "
                                 f"(best of {self.runs})"),
            ("daily / (a + b)", f"{self.daily_ratio:.2f} (target <= {DAILY_TARGET}: "
                                f"{met[self.daily_ratio <= DAILY_TARGET]})"),
            ("each round's", f"{self.each_round} (daily / (a + b) within each round, in order)"),
            ("weekly / daily", f"{self.weekly_ratio:.2f} (target <= {WEEKLY_TARGET}: "
                               f"{met[self.weekly_ratio <= WEEKLY_TARGET]})"),
        ]


def synthetic_documents(count: int, *, days: list[date], calendar: Calendar, now: datetime,
                        players: int, types: int) -> Iterator[dict[str, Any]]:
    """`count` events as ingestion stores them, their event times spread over `days`."""
    rng = random.Random(7)
    start = calendar.midnight(days[0])
    span = (calendar.midnight(days[-1] + timedelta(days=1)) - start).total_seconds()
    context = Context(received_at=now, ingest_id=secrets.token_hex(16), company_salt="bench")
    events = synthetic_events(count, now=now, players=players, types=types)
    for index, event in enumerate(events):
        occurred = start + timedelta(seconds=rng.uniform(0, span))
        event["occurred_at"] = occurred.astimezone(UTC).isoformat()
        yield stored_event(event, index=index, context=context)


async def bench_rollup(
    *, connection: Connection, database: str, time_zone: str, events: int, batch: int,
    days: int = DAYS, players: int = PLAYERS, types: int = len(MIX), runs: int = RUNS,
) -> RollupFigures:
    client = connection.client
    scratch = f"{database}_bench_rollup_{secrets.token_hex(4)}"
    db = client[scratch]
    calendar = Calendar(time_zone)
    now = datetime.now(UTC)
    today = calendar.day_of(now)
    period = days_from(today - timedelta(days=days), today - timedelta(days=1))
    documents = synthetic_documents(events, days=period, calendar=calendar, now=now,
                                    players=players, types=types)
    helper = helper_for(connection)
    try:
        load_seconds = await _load(db, documents, events, batch)
        weeks = weeks_of(period)
        with as_long_running():  # as the scheduled rollup runs, in serve or jobs
            rounds = [await _round(db, calendar, period, weeks, helper) for _ in range(runs)]
    finally:
        if helper is not None:
            helper.close()
        await client.drop_database(scratch)
    daily, daily_seconds = min((r.daily for r in rounds), key=lambda run: run[1])
    weekly, weekly_seconds = min((r.weekly for r in rounds), key=lambda run: run[1])
    return RollupFigures(
        events=events, load_seconds=load_seconds, days=len(period), daily=daily,
        daily_seconds=daily_seconds, weeks=len(weeks), weekly=weekly,
        weekly_seconds=weekly_seconds, group_seconds=min(r.group for r in rounds),
        insert_seconds=min(r.insert for r in rounds), runs=runs, store=connection.where,
        round_ratios=tuple(r.ratio for r in rounds),
    )


Periods = AsyncGenerator[tuple[date, Tally | Exception], None]


@dataclass(frozen=True)
class Round:
    """One round of the four timings, each with its seconds."""

    daily: tuple[Tally, float]
    weekly: tuple[Tally, float]
    group: float
    insert: float

    @property
    def ratio(self) -> float:
        return ratio_to_floor(self.daily[1], self.group + self.insert)


async def _round(db: MotorDatabase, calendar: Calendar, days: list[date], weeks: list[date],
                 helper: Helper | None) -> Round:
    """The daily rollup, the weekly one, then the floors, one after the other: each round
    times both sides of a ratio within seconds of each other (see the module's
    docstring)."""
    daily = await _into_empty(db, DailyStat, _rollup(db, calendar, helper).days(days))
    weekly = await _into_empty(db, WeeklyStat, _rollup(db, calendar, helper).weeks(weeks))
    return Round(daily, weekly, await _group_floor(db), await _insert_floor(db))


async def _into_empty(db: MotorDatabase, output: type[DailyStat | WeeklyStat],
                      periods: Periods) -> tuple[Tally, float]:
    """A rollup of `periods` into an empty `output` collection (see _tallied)."""
    await emptied(db[output.Settings.name], output)
    return await _tallied(periods)


def _rollup(db: MotorDatabase, calendar: Calendar, helper: Helper | None = None) -> Rollup:
    """A new Rollup of the scratch database: nothing kept from a run before but the
    helper process (stats/helper.py), started at the first dense day."""
    return Rollup(events=db[StoredEvent.Settings.name], daily=db[DailyStat.Settings.name],
                  weekly=db[WeeklyStat.Settings.name], calendar=calendar, helper=helper)


async def _tallied(periods: Periods) -> tuple[Tally, float]:
    """The tallies of a rollup's periods added up, and the seconds they took; read as
    StatsService.recompute reads them, except that the first error is raised."""
    tally, started = Tally(), time.perf_counter()
    async with aclosing(periods) as outcomes:
        async for _, outcome in outcomes:
            if isinstance(outcome, Exception):
                raise outcome
            tally.add(outcome)
    return tally, time.perf_counter() - started


async def _group_floor(db: MotorDatabase) -> float:
    """One $group of every event by (type, company, user), its rows read: what the server
    itself needs to read the events once and hand over one row per bucket owner. Its
    seconds."""
    pipeline = [{"$group": {"_id": {"t": "$type", "c": "$company_id", "u": "$user_id"},
                            "n": {"$sum": 1}}}]
    started = time.perf_counter()
    async for _ in db[StoredEvent.Settings.name].aggregate(pipeline):
        pass
    return time.perf_counter() - started


async def _insert_floor(db: MotorDatabase) -> float:
    """Unordered insert_many of a copy of every daily bucket the rollup wrote, under an
    id of the same kind: what the server needs to store as many documents of those
    sizes. Only the inserts are timed, in batches of COPY_BATCH (pymongo splits an
    insert_many into batches of its own anyway), into a collection with no index but
    _id's: index upkeep belongs to the design, not to the floor. Its seconds."""
    target, seconds = db["bench_insert_floor"], 0.0
    batch: list[dict[str, Any]] = []
    async for document in db[DailyStat.Settings.name].find({}).batch_size(COPY_BATCH):
        batch.append({**document, "_id": f"{document['_id']}~"})
        if len(batch) >= COPY_BATCH:
            seconds += await _timed_insert(target, batch)
            batch = []
    if batch:
        seconds += await _timed_insert(target, batch)
    await target.drop()
    return seconds


COPY_BATCH = 10_000


async def _timed_insert(target: Any, documents: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    await target.insert_many(documents, ordered=False)
    return time.perf_counter() - started


async def _load(
    db: MotorDatabase, documents: Iterator[dict[str, Any]], count: int, batch: int
) -> float:
    await emptied(db[StoredEvent.Settings.name], StoredEvent)
    events, seconds = db[StoredEvent.Settings.name], 0.0
    with progress(count, "events") as bar:
        for chunk in chunked(documents, batch):
            started = time.perf_counter()  # generating the events is not the store's time
            await events.insert_many(chunk, ordered=False)
            seconds += time.perf_counter() - started
            bar.update(len(chunk))
    return seconds
