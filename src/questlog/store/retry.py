"""Retrying MongoDB operations that failed for a transient reason, within a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import pymongo
from pymongo.errors import AutoReconnect, ConnectionFailure, NetworkTimeout, PyMongoError

log = logging.getLogger(__name__)
T = TypeVar("T")

TRANSIENT = (AutoReconnect, ConnectionFailure, NetworkTimeout)


class StoreUnavailable(Exception):
    """MongoDB kept failing after every retry, or did not answer within the deadline."""


@contextlib.asynccontextmanager
async def deadline(seconds: float) -> AsyncIterator[None]:
    """Bound every store operation inside, retries and their backoff included, by `seconds`.

    pymongo.timeout bounds each operation by what is left, server selection included
    (Motor carries it into its threads), and the server stops a query that outlives it;
    asyncio.timeout stops the waiting itself, also on a store that ignores the first
    (mongomock). Either way: StoreUnavailable, which the API answers with 503.
    """
    try:
        with pymongo.timeout(seconds):
            async with asyncio.timeout(seconds):
                yield
    except TimeoutError as exc:
        raise StoreUnavailable(f"the store did not answer within {seconds:g}s") from exc


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT):
        return True
    return isinstance(exc, PyMongoError) and exc.has_error_label("RetryableWriteError")


async def with_retries(
    operation: Callable[[], Awaitable[T]], *, retries: int, backoff: float
) -> T:
    """Run `operation`, retrying transient errors with exponential backoff and jitter."""
    for attempt in range(retries + 1):
        try:
            return await operation()
        except PyMongoError as exc:
            if not is_transient(exc):
                if exc.timeout:  # the server stopped it at the deadline (maxTimeMS)
                    raise StoreUnavailable(str(exc)) from exc
                raise
            if attempt == retries:
                raise StoreUnavailable(str(exc)) from exc
            delay = backoff * 2**attempt * (0.5 + random.random() / 2)
            log.warning("transient MongoDB error (%s); retry %d in %.3fs", exc, attempt + 1, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")
