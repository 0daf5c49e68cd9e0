"""Rebuilding one bucket period whole: a day from raw events, a week from its seven days.

The rollup is a hot path, so it works on the Motor collections directly: the day's
events are streamed and scanned in Python (scan.py), the week reads its days' game
and company documents, and the documents (one per owner and period, see buckets.py)
go back in big unordered batches. Nothing is ever incremented: rebuilding a period
twice, or from two processes at once, writes the same documents.

A day is two steps: `prepare` reads and scans its events, `store` builds and writes
its documents. `days` runs them for many days with one day's writes under way while
the next day is prepared and built, so the server writes while Python computes
(20,000 events over 14 days, six runs each: the median rollup / floor went from 2.02
to 1.64 at load 3; no difference at load 3.5 to 4, when other work took both cores).
A week is two steps too, `prepare_week` (its days' game and company documents) and
`store_week` (merged, written), and `weeks` reads the next week while one is stored.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pymongo.errors import PyMongoError

from questlog.stats.buckets import TYPES, Owner, Span, merged_part, owner_of, to_document
from questlog.stats.helper import DENSE_DAY, HELPER_SHARE, Helper
from questlog.stats.periods import Calendar, Period
from questlog.stats.pipeline import day_parts, day_query
from questlog.stats.scan import DayScan
from questlog.stats.streams import Recent, collector_paused, scanned
from questlog.stats.writer import PeriodWriter, Tally, chunks
from questlog.store.naive import plain
from questlog.store.retry import StoreUnavailable
from questlog.store.types import MotorCollection
from questlog.tasks import started, stopped

# A day may be dense (see _read) if its first part of this many has DENSE_DAY / PROBE_PARTS
# events or more: its first 15 minutes, read while the second half of the day is.
PROBE_PARTS = 96
# A day is read through this many cursors at once, each over a part of it, so that the
# server gathers one's batch while the driver decodes the other's (streams.batches;
# reading a dense day of 100,000 events: 1.18-1.53 s -> 0.96-1.21 s at load 2.6-3).
READ_CURSORS = 2
WEEKLY_SCOPES = ("global", "company")  # the owners whose weeks are stored
WEEK_INDEX = "period_scope"  # see stats.documents
STORE_ERRORS = (StoreUnavailable, PyMongoError)  # what a retry of the period may cure


def week_query(monday: date) -> dict[str, Any]:
    """The query of the documents a week merges: its days' game and company documents,
    read through period_scope (WEEK_INDEX, hinted: secantusd-rs plans an index only for
    equalities by itself, and scans the collection for $in; hinted, it reads exactly
    these keys, as MongoDB does; a test explains it)."""
    days = [(monday + timedelta(days=i)).isoformat() for i in range(7)]
    return {"period_start": {"$in": days}, "scope": {"$in": list(WEEKLY_SCOPES)}}


def span_of(calendar: Calendar, period: Period, start: date) -> Span:
    starts_at, ends_at = calendar.bounds(period, start)
    return Span(period, start, starts_at, ends_at, calendar.time_zone)


def weekly_span(calendar: Calendar, monday: date) -> Span:
    return span_of(calendar, "weekly", monday)


@dataclass
class Prepared:
    """A day read and scanned, ready to be stored."""

    span: Span
    writer: PeriodWriter
    scan: DayScan
    recent: Recent = field(default_factory=list)


class Rollup:
    def __init__(
        self, *, events: MotorCollection, daily: MotorCollection,
        weekly: MotorCollection, calendar: Calendar, helper: Helper | None = None,
    ) -> None:
        self._events, self._daily_read = plain(events), plain(daily)
        self._daily, self._weekly = daily, weekly
        self._calendar = calendar
        self._helper = helper  # for dense days (helper.py); none on the memory store

    def span(self, period: Period, start: date) -> Span:
        return span_of(self._calendar, period, start)

    def scan(self) -> DayScan:
        return DayScan()

    async def day(self, day: date, *, received_since: datetime | None = None) -> Tally:
        """Rebuild every bucket of `day` from the raw events whose event_time falls in it:
        one pass over the day, whatever its types. With `received_since` (naive UTC), the
        tally also lists the events read that were received at or after it (today.py)."""
        with collector_paused():  # from the read to the end of the store: see store()
            return await self.store(await self.prepare(day, received_since=received_since))

    async def days(
        self, days: Iterable[date]
    ) -> AsyncGenerator[tuple[date, Tally | Exception], None]:
        """Rebuild each of `days` as day() does, in order, one day's documents written
        while the next day is read, scanned and built; yields each day with its tally, or with
        the store's error that stopped it (the caller may retry that day on its own).
        Iterate it under contextlib.aclosing: a day still being stored when the caller
        stops is then stopped before the caller goes on, not at garbage collection."""
        under_way: list[tuple[date, asyncio.Future[Tally] | Exception]] = []
        try:
            for day in days:
                try:
                    with collector_paused():  # until the store holds it itself: see store()
                        under_way.append((day, await started(self.store(await self.prepare(day)))))
                except STORE_ERRORS as exc:
                    under_way.append((day, exc))
                # The previous day is awaited only now: its writes went on while this
                # day was read, scanned and built.
                if len(under_way) == 2:
                    done, work = under_way.pop(0)
                    yield done, await _outcome(work)
            for done, work in under_way:
                yield done, await _outcome(work)
        finally:
            await stopped(w for _, w in under_way if isinstance(w, asyncio.Future))

    async def prepare(self, day: date, *, received_since: datetime | None = None) -> Prepared:
        span = self.span("daily", day)
        # The period's ids are asked for while its events are read: one round trip less.
        opening = await started(PeriodWriter.open(self._daily, day))
        try:
            with collector_paused():
                scan, recent = await self._read(span, received_since)
            return Prepared(span, await opening, scan, recent)
        finally:
            await stopped([opening])  # done already, unless reading failed or was cancelled

    async def _read(self, span: Span, received_since: datetime | None
                    ) -> tuple[DayScan, Recent]:
        """The day's events scanned; a dense day's first half (but its first minutes) by
        the helper.

        Whether a day is dense is found by reading its first PROBE_PARTS-th part while
        the second half is read: counting its events instead costs secantusd-rs a read of
        every event kept, 2-5 s of a dense day whatever the range or limit, and even the
        estimated count of the collection counts them (0.15 s for 300,000). Read before
        the rest, the probe cost the default load a tenth of its rollup."""
        start, end = span.starts_at, span.ends_at
        if self._helper is None:
            return await scanned(self._events, day_parts(start, end, READ_CURSORS),
                                 received_since)
        seconds = int((end - start).total_seconds())  # whole ones, as day_parts cuts
        middle = start + timedelta(seconds=seconds // 2)
        probed = start + timedelta(seconds=seconds // PROBE_PARTS)
        later = await started(scanned(self._events, day_parts(middle, end, READ_CURSORS),
                                      received_since))
        try:
            first, recent = await scanned(self._events, [day_query(start, probed)],
                                          received_since)
            rest = day_parts(probed, middle, READ_CURSORS)
            if first.events * PROBE_PARTS < DENSE_DAY:
                scan, more = await scanned(self._events, rest, received_since)
            else:
                scan, more = await self._helper.scan(self._events, rest, received_since)
            other, other_recent = await later
        finally:
            await stopped([later])  # done already, unless reading failed or was cancelled
        other.merge(scan)
        other.merge(first)
        return other, other_recent + recent + more

    async def store(self, prepared: Prepared) -> Tally:
        """Build and write the documents of a prepared day; a dense day's share of the
        players by the helper. The collector stays paused from the day's read (held by
        day() and days() until this holds it) until its rows are let go of here: turned
        on while they are alive, it would walk them all at once (1.1 s of a dense day)."""
        with collector_paused():
            scan, writer, span = prepared.scan, prepared.writer, prepared.span
            players = scan.players()
            # The read could only guess from its probe; the day's count is known now.
            helper = self._helper if scan.events >= DENSE_DAY else None
            theirs = int(len(players) * HELPER_SHARE) if helper else 0
            helping = await started(helper.store(writer, self._daily, span, players[:theirs])
                                    ) if helper and theirs else None
            try:
                await writer.write_all(scan.stored_documents(span, players[theirs:]))
                if helping is not None:
                    await helping
            finally:
                if helping is not None:
                    await stopped([helping])
            tally = await writer.close(scan.events)
            players.clear()  # they hold the rows too
            scan.clear()
        tally.recent = prepared.recent
        return tally

    async def week(self, monday: date) -> Tally:
        """Rebuild the game's and the companies' buckets of the ISO week starting `monday`
        from their daily buckets.

        A player's week is not stored: reads merge the player's days (reads.py), since
        the player buckets are nearly all of the buckets and rarely read by the week."""
        return await self.store_week(monday, *await self.prepare_week(monday))

    async def weeks(
        self, mondays: Iterable[date]
    ) -> AsyncGenerator[tuple[date, Tally | Exception], None]:
        """Rebuild each week of `mondays` as week() does, in order, the next week's days
        read while a week is merged and written; yields each week with its tally, or with
        the store's error that stopped it (the caller may retry that week on its own).
        Iterate it under contextlib.aclosing, as days()."""
        wanted = list(mondays)
        if not wanted:
            return
        reading: asyncio.Future[tuple[PeriodWriter, list[dict[str, Any]]]] | None
        reading = await started(self.prepare_week(wanted[0]))
        try:
            for monday, following in zip(wanted, [*wanted[1:], None], strict=True):
                assert reading is not None
                current = reading
                reading = None if following is None else await started(
                    self.prepare_week(following))
                outcome: Tally | Exception
                try:
                    outcome = await self.store_week(monday, *await current)
                except STORE_ERRORS as exc:
                    outcome = exc
                yield monday, outcome
        finally:
            if reading is not None:
                await stopped([reading])

    async def prepare_week(self, monday: date) -> tuple[PeriodWriter, list[dict[str, Any]]]:
        """The week's writer and its game's and companies' days, read at once."""
        opening = await started(PeriodWriter.open(self._weekly, monday))
        try:
            found = self._daily_read.find(week_query(monday)).hint(WEEK_INDEX)
            days = await found.to_list(None)
            return await opening, days
        finally:
            await stopped([opening])  # done already, unless reading failed or was cancelled

    async def store_week(
        self, monday: date, writer: PeriodWriter, days: list[dict[str, Any]]
    ) -> Tally:
        with collector_paused():
            for chunk in chunks(merged_by_owner(self.span("weekly", monday), days)):
                await writer.write(chunk)
        return await writer.close(events_read=0)


def merged_by_owner(span: Span, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One document per owner of `documents`, each type's buckets merged (on their stored
    form: buckets.merged_part). A document of an earlier version's layout, a document
    per type (stats/migration.py merges them at start), is left out rather than fail the
    week: it has no `types`."""
    groups: defaultdict[Owner, defaultdict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list))
    for document in documents:
        types = document.get(TYPES)
        if types is None:
            continue
        parts = groups[owner_of(document)]
        for event_type, part in types.items():
            parts[event_type].append(part)
    return [
        to_document(span, owner, {t: merged_part(parts[t]) for t in sorted(parts)})
        for owner, parts in groups.items()
    ]


async def _outcome(work: asyncio.Future[Tally] | Exception) -> Tally | Exception:
    if isinstance(work, Exception):
        return work
    try:
        return await work
    except STORE_ERRORS as exc:
        return exc

