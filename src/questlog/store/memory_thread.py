"""The in-memory store's work on one thread of its own, never on the event loop.

mongomock runs in this process and has no indexes: every query filters, sorts and
copies every matching document in Python, whatever its limit (50,000 stored events:
3.7 s for one page of GET /api/v1/events). mongomock-motor calls it straight from its
coroutines, so a read of a large store used to stop the event loop for as long:
/api/v1/health, other requests and SIGTERM all waited.

Here every collection operation and the materializing of every cursor (find and
aggregate) runs on one worker thread, one at a time and in the order asked: the same
serial, atomic-per-operation behaviour as before (the guards of the evaluator and of
redeem rely on it), but the loop stays free while a long one runs. The GIL still
shares the CPU, so a long read slows the rest; it no longer stops it.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import mongomock_motor

T = TypeVar("T")

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="questlog-memory-store")
# mongomock-motor keeps the wrapped mongomock objects in name-mangled attributes.
_COLLECTION, _CURSOR = "_AsyncMongoMockCollection__collection", "_AsyncCursor__cursor"


async def in_worker(call: Callable[[], T]) -> T:
    """Run `call` on the in-memory store's thread, after what was asked before it."""
    return await asyncio.get_running_loop().run_in_executor(_WORKER, call)


class _LazyCursor:
    """A cursor computed on the worker at its first read, then served from memory."""

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute = compute
        self._buffer: deque[Any] | None = None

    async def _filled(self) -> deque[Any]:
        if self._buffer is None:
            compute = self._compute
            self._buffer = deque(await in_worker(lambda: list(compute())))
        return self._buffer

    def __aiter__(self) -> _LazyCursor:
        return self

    async def __anext__(self) -> Any:
        buffer = await self._filled()
        if not buffer:
            raise StopAsyncIteration
        return buffer.popleft()

    next = __anext__

    async def to_list(self, *_: Any, **__: Any) -> list[Any]:
        buffer = await self._filled()
        items = list(buffer)
        buffer.clear()
        return items

    async def close(self) -> None:
        self._buffer = deque()

    def batch_size(self, _: int) -> _LazyCursor:
        return self


def _offloaded(name: str) -> Callable[..., Any]:
    async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return await in_worker(partial(getattr(vars(self)[_COLLECTION], name), *args, **kwargs))

    method.__name__ = name
    return method


def _aggregate(self: Any, *args: Any, **kwargs: Any) -> _LazyCursor:
    return _LazyCursor(partial(vars(self)[_COLLECTION].aggregate, *args, **kwargs))


def _cursor_of(self: Any) -> _LazyCursor:
    lazy: _LazyCursor | None = vars(self).get("_questlog_lazy")
    if lazy is None:  # set at the first read: sort, skip and limit are all given by then
        lazy = _LazyCursor(partial(list, vars(self)[_CURSOR]))
        vars(self)["_questlog_lazy"] = lazy
    return lazy


async def _cursor_next(self: Any) -> Any:
    return await _cursor_of(self).__anext__()


async def _cursor_to_list(self: Any, *args: Any, **kwargs: Any) -> list[Any]:
    return await _cursor_of(self).to_list(*args, **kwargs)


def run_off_the_event_loop() -> None:
    """Patch mongomock-motor's classes (once per process) to work on the worker thread."""
    collection: Any = mongomock_motor.AsyncMongoMockCollection
    if getattr(collection, "_questlog_offloaded", False):
        return
    for name in dir(collection):
        if not name.startswith("_") and inspect.iscoroutinefunction(getattr(collection, name)):
            setattr(collection, name, _offloaded(name))
    collection.aggregate = _aggregate
    cursor: Any = mongomock_motor.AsyncCursor
    cursor.next = cursor.__anext__ = _cursor_next
    cursor.to_list = _cursor_to_list
    collection._questlog_offloaded = True
