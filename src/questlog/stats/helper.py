"""A second process for the rollup of a dense day, so that its Python runs on two cores.

A day's rollup is mostly Python: on a dense day of 1,000,000 events, decoding,
scanning, building and encoding took 17.5-19.3 s of one core, against 8.4-10.1 s of
the server's. One process runs its Python on one core only, so the day took as long
as its Python. A dense day (rollup.py says how one is told) is shared with a helper
process:

- it reads and scans the first half of the day (but its first 15 minutes, which told
  the rollup the day is dense) and sends their rows back, which the rollup merges into
  its own scan of the rest;
- it builds and writes the documents of a share of the players (HELPER_SHARE), from
  their rows, while the rollup builds and writes the companies', the game's (each over
  every row: about as much work as all the players') and the other players'.

The documents are the same whoever builds them: a bucket's statistics never depend on
the order of its rows (sums are math.fsum's, exact). Rows cross between the processes
as packing.py's bytes: about 1 µs a row there and back, against the 15-20 µs of Python
that an event costs.

The helper is a spawned process (not forked: the serving process has threads, and a
fork copies their locks as they are), started at the first dense day and kept; it
reaches the store by its URL, with the write concern of the rollup's collections.
If it dies, its part of the day is done in this process, and its next call (the day's
next part, or the next dense day's) starts a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import multiprocessing
import os
import signal
from collections.abc import Coroutine
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from motor.motor_asyncio import AsyncIOMotorClient
from pymongo.write_concern import WriteConcern

from questlog.batching import chunked
from questlog.stats.buckets import Span
from questlog.stats.packing import packed, unpacked
from questlog.stats.parts import Parts
from questlog.stats.scan import DayScan, Players, stored_player_documents
from questlog.stats.streams import Recent, scanned
from questlog.stats.writer import PeriodWriter
from questlog.store.connection import SERVER_SELECTION_MS, Connection
from questlog.store.naive import PLAIN
from questlog.store.types import MotorCollection
from questlog.tasks import started, stopped

log = logging.getLogger(__name__)

DENSE_DAY = 100_000  # events of a day from which the rollup shares it with a helper
# Of a dense day's players, those whose documents the helper builds: the rollup builds
# the companies' and the game's, and packs the helper's players first. In alternated
# rounds of the dense day (rows packed by marshal, in STORE_PARTS parts) the store took
# 7.5-7.6 s at 0.74 against 8.0-8.1 at 0.86, and 7.7-8.2 at 0.66.
HELPER_SHARE = 0.75
# The helper's players go in this many parts: it builds the first while the rollup packs
# the next (packing 40,000 players' rows takes 0.6 s, in which the helper would wait).
STORE_PARTS = 3
T = TypeVar("T")


@dataclass(frozen=True)
class Where:
    """A collection, as another process reaches it."""

    url: str
    database: str
    collection: str
    write_concern: dict[str, Any]

    @classmethod
    def of(cls, url: str, collection: MotorCollection) -> Where:
        return cls(url, collection.database.name, collection.name,
                   collection.write_concern.document)


def helper_for(connection: Connection) -> Helper | None:
    """A helper for the store of `connection`: none for the memory store, which lives in
    this process only."""
    return None if connection.kind == "memory" else Helper(connection.url)


class Helper:
    """The rollup's helper process, for the store at `url` (see the module)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._pool: ProcessPoolExecutor | None = None
        self._pid = 0  # the helper process's, once started

    async def scan(self, events: MotorCollection, queries: list[dict[str, Any]],
                   received_since: datetime | None) -> tuple[DayScan, Recent]:
        """scanned(events, queries, received_since), done by the helper."""
        work = partial(_scan, Where.of(self._url, events), queries, received_since)
        try:
            rows, recent = await self._run(work)
        except BrokenProcessPool:
            log.warning("the rollup's helper process stopped: its part of the day is read here")
            return await scanned(events, queries, received_since)
        return DayScan.unpack(rows), recent

    async def store(self, writer: PeriodWriter, collection: MotorCollection, span: Span,
                    players: Players) -> None:
        """Build and write the documents of `players` with the helper, counted by
        `writer` as written: sent in STORE_PARTS parts, so that it begins once the first
        is packed."""
        where = Where.of(self._url, collection)
        storing: list[asyncio.Future[None]] = []
        try:
            for part in chunked(players, max(1, math.ceil(len(players) / STORE_PARTS))):
                storing.append(await started(self._store_part(writer, where, span, part)))
            await asyncio.gather(*storing)
        finally:
            await stopped(storing)  # done already, unless one failed or this was cancelled

    async def _store_part(self, writer: PeriodWriter, where: Where, span: Span,
                          players: Players) -> None:
        work = partial(_store, where, span, writer.before, packed(players))
        try:
            written: set[str] = await self._run(work)
        except BrokenProcessPool:
            log.warning("the rollup's helper process stopped: its players are written here")
            await writer.write_all(stored_player_documents(span, players, Parts()))
        else:
            writer.also_written(written)

    async def _run(self, work: partial[T]) -> T:
        loop = asyncio.get_running_loop()
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=gc.disable)
        try:
            if not self._pid:
                self._pid = await loop.run_in_executor(self._pool, os.getpid)
            return await loop.run_in_executor(self._pool, work)
        except BrokenProcessPool:
            self.close()  # the next call starts a new one
            raise
        except asyncio.CancelledError:
            # A process's work cannot be cancelled, and a stopped rollup writes nothing
            # afterwards (rollup.py): the helper is stopped with it.
            self.kill()
            raise

    def kill(self) -> None:
        """Stop the helper process at once, whatever it is doing; its next call starts
        a new one."""
        if self._pool is not None:
            if self._pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._pid, signal.SIGKILL)
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool, self._pid = None, 0

    def close(self) -> None:
        """Stop the helper process, if one was started, once its work is done."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool, self._pid = None, 0


# What the helper process runs, on one event loop and one client per store, kept.

_loop: asyncio.AbstractEventLoop | None = None
_clients: dict[str, AsyncIOMotorClient[Any]] = {}


def _scan(events: Where, queries: list[dict[str, Any]], received_since: datetime | None
          ) -> tuple[bytes, Recent]:
    """The scan packed (DayScan.pack), and the recent events."""
    async def run() -> tuple[bytes, Recent]:
        scan, recent = await scanned(_collection(events, codec_options=PLAIN), queries,
                                     received_since)
        return scan.pack(), recent
    return _run_here(run())


def _store(daily: Where, span: Span, before: set[str], players: bytes) -> set[str]:
    """Build and write the documents of the packed players; the ids written."""
    async def run() -> set[str]:
        concern = WriteConcern(**daily.write_concern)
        writer = PeriodWriter(_collection(daily, write_concern=concern), before)
        await writer.write_all(stored_player_documents(span, unpacked(players), Parts()))
        return writer.written
    return _run_here(run())


def _run_here(work: Coroutine[Any, Any, T]) -> T:
    """`work` run on the helper's loop. The helper's collector stays off (see
    Helper._run), so that neither the rows nor the answer's pickling is walked, and
    collects here, at the start of each call, when it holds nothing but the last call's
    garbage. What the first collection keeps (the 98,000 objects of the modules the
    spawned process imported) is frozen out of every later one: walked at each call, it
    took 47 ms of the call's 56; frozen, a call takes 0.5 ms."""
    global _loop
    gc.collect()
    if _loop is None:
        _loop = asyncio.new_event_loop()
        gc.freeze()  # what the first call found: see the docstring
    return _loop.run_until_complete(work)


def _collection(where: Where, **options: Any) -> MotorCollection:
    """The collection `where` names, with `options`, on the helper's client of its store."""
    client = _clients.get(where.url)
    if client is None:
        client = _clients[where.url] = AsyncIOMotorClient(
            where.url, serverSelectionTimeoutMS=SERVER_SELECTION_MS)
    return client[where.database].get_collection(where.collection, **options)
