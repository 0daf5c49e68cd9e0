"""The embedded in-memory store (mongomock-motor), for `make run` without MongoDB and the tests."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

import mongomock_motor
from mongomock.store import CollectionStore

from questlog.store.types import MotorClient

TTL_SWEEP_SECONDS = 1.0

T = TypeVar("T")


def _throttle_ttl_sweeps() -> None:
    """Sweep expired documents at most once a second per collection.

    mongomock expires TTL documents by scanning the whole collection before every
    read, including the `_id in collection` check of each inserted document, so an
    insert costs time in proportion to what is stored and the embedded store slows
    to a crawl as it fills. A real server sweeps once a minute; once a second keeps
    expiry observable and inserts cheap.
    """
    sweep = CollectionStore._remove_expired_documents
    if getattr(sweep, "throttled", False):
        return

    def throttled_sweep(self: CollectionStore) -> None:
        now = time.monotonic()
        if now - getattr(self, "_last_ttl_sweep", float("-inf")) >= TTL_SWEEP_SECONDS:
            self._last_ttl_sweep = now  # type: ignore[attr-defined]  # our mark on mongomock's class
            sweep(self)  # type: ignore[no-untyped-call]  # mongomock leaves it unannotated

    throttled_sweep.throttled = True  # type: ignore[attr-defined]
    CollectionStore._remove_expired_documents = throttled_sweep  # type: ignore[method-assign]


class _StoreThread:
    """The one thread that runs every mongomock operation of the process, in arrival order.

    mongomock answers a query by filtering and sorting the whole collection in Python:
    with 50,000 stored events one find costs about a second of CPU. mongomock-motor runs
    it inside the awaiting coroutine, so the event loop stood still meanwhile (requests,
    /health and SIGTERM waited 10 to 120 s behind the achievement evaluator's backlog).
    Here the loop only awaits a future; one thread keeps mongomock single-threaded, as it
    must be, and a daemon one, so that stopping the process never waits for a scan.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[
            tuple[Callable[[], Any], concurrent.futures.Future[Any]]
        ] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="questlog-memory-store",
                                        daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            job, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as exc:  # handed to the awaiting coroutine, as mongomock raised it
                future.set_exception(exc)

    async def run(self, job: Callable[[], T]) -> T:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((job, future))
        return await asyncio.wrap_future(future)


_store_thread: _StoreThread | None = None
_starting = threading.Lock()


def _offload(job: Callable[[], T]) -> Any:
    global _store_thread
    if _store_thread is None:
        with _starting:  # two event loops (a server in a thread of a test) start it once
            if _store_thread is None:
                _store_thread = _StoreThread()
    return _store_thread.run(job)


class _OffloadedCursor:
    """A find or aggregate cursor computed on the store thread on its first read, then
    served from memory (mongomock's own cursor re-slices its results on every next())."""

    def __init__(self, compute: Callable[[], Any], delegate: Any = None) -> None:
        self._compute, self._delegate = compute, delegate
        self._rows: collections.deque[Any] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._delegate, name)

    async def _loaded(self) -> collections.deque[Any]:
        if self._rows is None:
            self._rows = collections.deque(await _offload(lambda: list(self._compute())))
        return self._rows

    def __aiter__(self) -> _OffloadedCursor:
        return self

    async def next(self) -> Any:
        rows = await self._loaded()
        if not rows:
            raise StopAsyncIteration
        return rows.popleft()

    __anext__ = next

    async def to_list(self, *args: Any, **kwargs: Any) -> list[Any]:
        length = args[0] if args else kwargs.get("length")
        rows = await self._loaded()
        taken = [rows.popleft() for _ in range(min(length or len(rows), len(rows)))]
        return taken

    async def close(self) -> None:
        self._rows = collections.deque()

    def batch_size(self, *_: Any) -> _OffloadedCursor:
        return self


def _offload_operations() -> None:
    """Run mongomock-motor's awaited operations and cursor reads on the store thread."""
    if getattr(mongomock_motor, "_questlog_offloaded", False):
        return
    classes = (mongomock_motor.AsyncMongoMockCollection, mongomock_motor.AsyncMongoMockDatabase,
               mongomock_motor.AsyncMongoMockClient)
    for cls in classes:
        for name, method in list(vars(cls).items()):
            # The methods mongomock-motor made async are its `make_wrapper` closures.
            if "make_wrapper" in getattr(method, "__qualname__", ""):
                setattr(cls, name, _offloaded_method(method))

    def cursor_next(self: Any) -> Any:
        inner = self.__dict__["_AsyncCursor__cursor"]
        loaded = self.__dict__.get("_questlog_rows")
        if loaded is None:
            loaded = self.__dict__["_questlog_rows"] = _OffloadedCursor(lambda: inner)
        return loaded.next()

    async def cursor_to_list(self: Any, *args: Any, **kwargs: Any) -> list[Any]:
        inner = self.__dict__["_AsyncCursor__cursor"]
        return cast(list[Any], await _offload(lambda: list(inner)))

    for name, method in (("next", cursor_next), ("__anext__", cursor_next),
                         ("to_list", cursor_to_list)):
        setattr(mongomock_motor.AsyncCursor, name, method)

    def collection_aggregate(self: Any, *args: Any, **kwargs: Any) -> _OffloadedCursor:
        inner = self.__dict__["_AsyncMongoMockCollection__collection"]
        return _OffloadedCursor(lambda: inner.aggregate(*args, **kwargs))

    mongomock_motor.AsyncMongoMockCollection.aggregate = (  # type: ignore[method-assign]
        collection_aggregate  # type: ignore[assignment]
    )
    mongomock_motor._questlog_offloaded = True  # type: ignore[attr-defined]


def _offloaded_method(wrapper: Callable[..., Any]) -> Callable[..., Any]:
    async def offloaded(self: Any, *args: Any, **kwargs: Any) -> Any:
        # mongomock-motor's wrapper never awaits: driving it to its end runs the operation.
        return await _offload(lambda: _drive(wrapper(self, *args, **kwargs)))

    return offloaded


def _drive(coroutine: Any) -> Any:
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("a mongomock-motor operation awaited: it cannot run on the store thread")


def embedded_client() -> MotorClient:
    _throttle_ttl_sweeps()
    _offload_operations()
    # mongomock-motor mimics Motor's client without subclassing it: callers use it as one.
    return cast(MotorClient, mongomock_motor.AsyncMongoMockClient(tz_aware=True))
