"""The load generator's HTTP client (bench/http.py) against a server written here, for
the answers uvicorn never gives the benchmarks: a close after the answer, a chunked
body, garbage instead of HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from questlog.bench.http import Connection, TransportError

CLOSING = (b"HTTP/1.1 202 Accepted\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n"
           b"5\r\n{\"ok\"\r\n6\r\n:true}\r\n0\r\n\r\n")


@asynccontextmanager
async def serving(answer: Callable[[bytes], bytes]) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A server answering each request with answer(its bytes), then closing; the URL and
    every request received, whole."""
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        request = head + await reader.readexactly(length)
        received.append(request)
        writer.write(answer(request))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}", received


async def test_a_closed_connection_is_opened_again_and_a_chunked_answer_read_whole():
    async with serving(lambda _: CLOSING) as (url, received):
        connection = Connection(url, {"authorization": "Bearer k"})
        try:
            answers = [await connection.post("/api/v1/events", b'{"n":%d}' % i) for i in range(3)]
        finally:
            await connection.close()

    assert [(a.status_code, a.json()) for a in answers] == [(202, {"ok": True})] * 3
    assert [r.split(b"\r\n\r\n")[1] for r in received] == [b'{"n":0}', b'{"n":1}', b'{"n":2}']
    head = received[0].split(b"\r\n\r\n")[0].split(b"\r\n")
    assert head[0] == b"POST /api/v1/events HTTP/1.1"
    assert set(head[1:]) == {f"host: {url.removeprefix('http://')}".encode(),
                             b"authorization: Bearer k", b"content-length: 7"}


async def test_an_answer_that_is_not_http_is_a_transport_error():
    async with serving(lambda _: b"SMTP ready\r\n\r\n") as (url, _):
        connection = Connection(url, {})
        with pytest.raises(TransportError, match="HttpParserError"):
            await connection.post("/", b"{}")
        await connection.close()


async def test_a_server_closing_without_an_answer_is_a_transport_error():
    async with serving(lambda _: b"") as (url, _):
        connection = Connection(url, {})
        with pytest.raises(TransportError, match="closed the connection"):
            await connection.post("/", b"{}")
        await connection.close()
