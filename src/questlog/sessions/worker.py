"""The fast path: summarize the sessions this process just stored events of.

Only a wake-up, like the achievements evaluator's: the bus handler hands over session
ids and the worker summarizes them from the store. A dropped message, a crash or a
failure loses nothing; the sweep job (sweep.py) summarizes what was missed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

from questlog.sessions.service import SessionService
from questlog.tasks import cancel

log = logging.getLogger(__name__)

# Under a steady stream the worker rests PACE times the (wall) time of each pass before
# the next: a session touched by many batches meanwhile is written once for all of them
# (a write, not the reads, is what costs on a durable store), and the requests keep most
# of the process. An open session's summary then lags by up to (1 + PACE) passes.
PACE = 2.0


class SessionWorker:
    def __init__(self, service: SessionService, *, pace: float = PACE) -> None:
        self._service, self._pace = service, pace
        self._pending: set[str] = set()
        self._wake, self._idle = asyncio.Event(), asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.failures = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="questlog-sessions")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None

    def add(self, session_ids: Iterable[str]) -> None:
        before = len(self._pending)
        self._pending.update(session_ids)
        if len(self._pending) > before:
            self._idle.clear()
            self._wake.set()

    async def wait_idle(self) -> None:
        """Wait until every session handed over so far has been summarized (or failed)."""
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                started = time.perf_counter()
                batch, self._pending = self._pending, set()
                for session_id in sorted(batch):
                    try:
                        await self._service.refresh(session_id)
                    except Exception:  # the sweep job summarizes it later
                        self.failures += 1
                        log.exception("could not summarize session %r", session_id)
                if self._pending:
                    await asyncio.sleep(self._pace * (time.perf_counter() - started))
            if not self._wake.is_set():
                self._idle.set()
