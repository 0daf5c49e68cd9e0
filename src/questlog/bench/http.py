"""The load generator's HTTP client: h11 over asyncio streams, one keep-alive connection
per worker.

httpx spent about 1.9 ms of CPU per request in the benchmark's own process (2,000
single events, measured from the process's CPU time): on a 2-core machine that CPU is
taken from the server being measured, and at concurrency 1 it sits inside every timed
request. h11 is the HTTP/1.1 parser httpx itself uses underneath, and on its own costs
a fraction of that. The measure stays honest: the server receives complete requests
(Host, Authorization, Content-Type, Content-Length and the body) and the client reads
every byte of each answer and parses its JSON, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import h11

TIMEOUT_SECONDS = 60.0
READ_BYTES = 65_536


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
        self._headers = [("host", parts.netloc), *headers.items()]
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._http = h11.Connection(h11.CLIENT)

    async def post(self, path: str, body: bytes) -> Answer:
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                return await self._exchange(path, body)
        except (OSError, TimeoutError, h11.ProtocolError) as exc:
            await self.close()
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(self, path: str, body: bytes) -> Answer:
        reader, writer = await self._open()
        headers = [*self._headers, ("content-length", str(len(body)))]
        http = self._http
        writer.write(http.send(h11.Request(method="POST", target=path, headers=headers))
                     + http.send(h11.Data(data=body)) + http.send(h11.EndOfMessage()))
        await writer.drain()
        status, chunks = 0, []
        while True:
            event = http.next_event()
            if event is h11.NEED_DATA:
                http.receive_data(await reader.read(READ_BYTES))  # b"": the server closed
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("the server closed the connection before answering")
        if http.our_state is h11.DONE and http.their_state is h11.DONE:
            http.start_next_cycle()
        else:  # the server asked to close: the next request opens a new connection
            await self.close()
        return Answer(status, b"".join(chunks))

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port,
                                                          ssl=self._tls or None)
            self._http = h11.Connection(h11.CLIENT)
        return self._streams

    async def close(self) -> None:
        streams, self._streams = self._streams, None
        if streams is not None:
            streams[1].close()
            with contextlib.suppress(OSError):  # already broken: closed is all we want
                await streams[1].wait_closed()
