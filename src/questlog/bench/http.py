"""The load generator's HTTP client: one keep-alive HTTP/1.1 connection per worker, an
asyncio protocol whose answers httptools parses.

At concurrency 1 the client's own CPU sits inside every timed request, and on a 2-core
machine it is taken from the server being measured. httpx spent about 1.9 ms of CPU a
request; h11 over asyncio streams, which followed it, 0.27-0.34 ms (2,000 single events,
the process's CPU time). A request's bytes are the same every time but for its body,
so its head is built once a path, and the answer is parsed by httptools (the C parser
uvicorn's own httptools protocol uses). The measure stays honest: the server receives
complete requests (Host, Authorization, Content-Type, Content-Length and the body) and
the client reads every byte of each answer and parses its JSON.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import httptools

TIMEOUT_SECONDS = 60.0


class TransportError(Exception):
    """No usable answer: the connection failed, closed, timed out or spoke no HTTP."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")


class Connection:
    """One keep-alive HTTP/1.1 connection to `url`, opened on first use (and again after
    the server closed it)."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self._host, self._tls = parts.hostname, parts.scheme == "https"
        self._port = parts.port or (443 if self._tls else 80)
        self._headers = "".join(f"{name}: {value}\r\n"
                                for name, value in {"host": parts.netloc, **headers}.items())
        self._heads: dict[str, bytes] = {}
        self._answers: _Answers | None = None

    async def post(self, path: str, body: bytes) -> Answer:
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                answers = await self._open()
                answer = await answers.exchange(self._head(path) + b"%d\r\n\r\n%b"
                                                % (len(body), body))
        except (OSError, TimeoutError, httptools.HttpParserError) as exc:
            self._abort()
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        except BaseException:  # cancelled: its answer must not be taken for the next one's
            self._abort()
            raise
        if not answers.keep_alive:  # the server asked to close: the next request reconnects
            await self.close()
        return answer

    def _head(self, path: str) -> bytes:
        """The request's head up to its Content-Length's value."""
        head = self._heads.get(path)
        if head is None:
            head = self._heads[path] = (f"POST {path} HTTP/1.1\r\n{self._headers}"
                                        "content-length: ").encode()
        return head

    async def _open(self) -> _Answers:
        if self._answers is None or self._answers.closed:
            loop = asyncio.get_running_loop()
            _, self._answers = await loop.create_connection(
                _Answers, self._host, self._port, ssl=self._tls or None)
        return self._answers

    async def close(self) -> None:
        answers, self._answers = self._answers, None
        if answers is not None:
            await answers.close()

    def _abort(self) -> None:
        """Drop the connection at once: a graceful close would wait, without a timeout,
        for the request's unsent bytes to reach a server that may read no more."""
        answers, self._answers = self._answers, None
        if answers is not None:
            answers.abort()


class _Answers(asyncio.Protocol):
    """The connection's protocol: sends a request, and parses its answer as it arrives.
    Made by create_connection, which returns it connected: `_transport` is set."""

    _transport: asyncio.Transport

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[Answer] | None = None
        self._chunks: list[bytes] = []
        self._lost = asyncio.get_running_loop().create_future()
        self.keep_alive = True

    async def exchange(self, request: bytes) -> Answer:
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(request)
        try:
            return await self._waiter
        finally:
            self._waiter = None

    async def close(self) -> None:
        self._transport.close()
        await asyncio.shield(self._lost)

    def abort(self) -> None:
        self._transport.abort()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)
            self._transport.close()

    @property
    def closed(self) -> bool:
        return self._lost.done()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(ConnectionError("the server closed the connection before answering"))
        if not self._lost.done():
            self._lost.set_result(None)

    # httptools' callbacks
    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        self.keep_alive = self._parser.should_keep_alive()
        content, self._chunks = b"".join(self._chunks), []
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(Answer(self._parser.get_status_code(), content))

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)
