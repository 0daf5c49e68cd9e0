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


async def test_a_closed_connection_is_opened_again_and_a_chunked_answer_read_whole() -> None:
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


@pytest.mark.parametrize(("answer", "error"), [
    (b"SMTP ready\r\n\r\n", "HttpParserError"),
    (b"", "closed the connection"),
], ids=["not-http", "no-answer"])
async def test_an_answer_that_is_no_http_answer_is_a_transport_error(
    answer: bytes, error: str
) -> None:
    async with serving(lambda _: answer) as (url, _):
        connection = Connection(url, {})
        with pytest.raises(TransportError, match=error):
            await connection.post("/", b"{}")
        await connection.close()


async def test_a_server_that_reads_nothing_is_a_transport_error_within_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The unsent rest of the body must not hold the connection's close after the timeout."""
    monkeypatch.setattr("questlog.bench.http.TIMEOUT_SECONDS", 0.3)
    accepted: list[asyncio.StreamWriter] = []

    async def read_nothing(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(read_nothing, "127.0.0.1", 0)
    async with server:
        connection = Connection(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", {})
        with pytest.raises(TransportError, match="TimeoutError"):
            await asyncio.wait_for(connection.post("/", b"x" * 64_000_000), 5)
        await connection.close()
        for writer in accepted:
            writer.close()


async def test_a_request_cancelled_mid_exchange_leaves_no_answer_for_the_next() -> None:
    async def echo_late(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await reader.readuntil(b"\r\n\r\n"):
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
            await asyncio.sleep(0.2)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%b" % (len(body), body))

    server = await asyncio.start_server(echo_late, "127.0.0.1", 0)
    async with server:
        connection = Connection(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", {})
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(connection.post("/", b"first"), 0.05)
        answer = await connection.post("/", b"second")
        await connection.close()

    assert answer.content == b"second"
