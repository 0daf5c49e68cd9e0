"""One socket write per answer.

uvicorn writes an answer's head and its body with a transport write each, and an empty
transport's write is a send() at once: two system calls, two TCP segments, and the
client woken twice for one small JSON answer. CorkedWrites holds the bytes while an
answer is being written and sends them together when it is complete, or at the end of
the event loop's turn (a streamed answer: its head then leaves as soon as the app
waits for its next chunk, as before, only joined with what came in the same turn).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


class CorkedWrites:
    """A transport whose writes wait while `writing()` holds, up to the loop's next turn."""

    def __init__(self, transport: asyncio.Transport, writing: Callable[[], bool]) -> None:
        self._transport, self._writing = transport, writing
        self._held: list[bytes] = []
        self._flush_soon: asyncio.Handle | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if data:
            self._held.append(bytes(data))
        if not self._writing():
            self.flush()
        elif self._flush_soon is None and self._held:
            self._flush_soon = asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        if self._flush_soon is not None:
            self._flush_soon.cancel()
            self._flush_soon = None
        if self._held:
            held, self._held = self._held, []
            self._transport.write(b"".join(held))

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
