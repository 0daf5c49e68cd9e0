"""Server-sent events of one subscriber: `ready`, then each event, `dropped` when the
viewer fell behind, and a comment every few seconds so proxies keep the line open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pydantic_core

from questlog.live.feed import Subscriber

KEEPALIVE_SECONDS = 10.0


def sse(kind: str, data: Any) -> bytes:
    payload = pydantic_core.to_json(data, inf_nan_mode="null").decode()
    return f"event: {kind}\ndata: {payload}\n\n".encode()


async def frames(subscriber: Subscriber, *, keepalive: float = KEEPALIVE_SECONDS,
                 seconds: float | None = None) -> AsyncIterator[bytes]:
    """The stream's frames; it ends after `seconds` (None: when the viewer leaves)."""
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    yield sse("ready", {"filters": dict(subscriber.filters.equal)})
    while True:
        wait = keepalive if deadline is None else min(keepalive, deadline - loop.time())
        if wait <= 0:
            yield sse("end", {"seconds": seconds})
            return
        try:
            event = await asyncio.wait_for(subscriber.queue.get(), timeout=wait)
        except TimeoutError:
            if deadline is None or loop.time() < deadline:
                yield b": keepalive\n\n"
            continue
        dropped = subscriber.unreported_drops()
        if dropped:
            yield sse("dropped", {"dropped": dropped})
        yield sse("event", event)
