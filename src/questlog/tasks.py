"""The background tasks of a running Questlog: started and stopped the one way."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


async def started(work: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
    """`work` as a task that has begun: a new task only runs at the event loop's next
    turn, so without this yield a caller that goes on computing would start it only at
    its next await, and nothing would overlap. A caller cancelled during that yield
    cancels the task too: it is nobody's to stop otherwise, and would go on writing."""
    task = asyncio.ensure_future(work)
    try:
        await asyncio.sleep(0)
    except BaseException:
        task.cancel()
        raise
    return task


async def cancel(task: asyncio.Task[Any] | None) -> None:
    """Cancel `task` (if any) and wait until it has stopped."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def stopped(futures: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel each of `futures` still running and wait until all have stopped; their
    outcomes are dropped (a caller that wanted one has taken it already)."""
    pending = list(futures)
    for future in pending:
        future.cancel()  # a no-op once it is done
    await asyncio.gather(*pending, return_exceptions=True)
