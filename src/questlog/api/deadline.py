"""A deadline on the store work of every read request, so a dead store answers 503 soon.

pymongo.timeout set here holds for every MongoDB operation the request makes (it is a
context variable, and Motor carries it into its threads): server selection waits no
longer than what is left, and the server stops a query that outlives it (maxTimeMS).
Writes set their own deadline (settings.write_deadline_seconds) in the ingestor; the
routes that run jobs are not reads and are not bounded here.
"""

from __future__ import annotations

import pymongo
from starlette.types import ASGIApp, Receive, Scope, Send

READS = frozenset({"GET", "HEAD"})


class ReadDeadline:
    """ASGI middleware: GET and HEAD requests run under pymongo.timeout(seconds)."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in READS:
            await self.app(scope, receive, send)
            return
        with pymongo.timeout(self.seconds):
            await self.app(scope, receive, send)
