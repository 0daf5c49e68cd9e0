"""Retrying MongoDB operations that failed for a transient reason."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pymongo.errors import AutoReconnect, ConnectionFailure, NetworkTimeout, PyMongoError

log = logging.getLogger(__name__)
T = TypeVar("T")

TRANSIENT = (AutoReconnect, ConnectionFailure, NetworkTimeout)


class StoreUnavailable(Exception):
    """MongoDB kept failing after every retry."""


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
                raise
            if attempt == retries:
                raise StoreUnavailable(str(exc)) from exc
            delay = backoff * 2**attempt * (0.5 + random.random() / 2)
            log.warning("transient MongoDB error (%s); retry %d in %.3fs", exc, attempt + 1, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")
