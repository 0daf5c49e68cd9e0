"""A query string or headers past their limits answer 414 or 431 in the envelope: in the
app (ASGI), and from a real uvicorn on loopback, however large they are; and under
uvicorn a client sending a large body reads the early answer (401, 413) to it."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from conftest import ADMIN_KEY, READ_KEY
from events_http import error_of

from questlog.api.app import create_app
from questlog.api.limits import uvicorn_options
from questlog.settings import Settings

EVENTS = "/api/v1/events"


@pytest.mark.parametrize("key", [None, "not-a-key", READ_KEY], ids=["none", "wrong", "right"])
async def test_a_query_string_past_the_limit_is_414_whatever_the_key(
    app_and_questlog: tuple[Any, Any], settings: Settings, key: str | None
) -> None:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    transport = httpx.ASGITransport(app=app_and_questlog[0])
    async with httpx.AsyncClient(transport=transport, base_url="http://q") as http:
        response = await http.get(
            EVENTS, params={"type": "x" * settings.max_query_bytes}, headers=headers
        )

    assert "query string" in error_of(response, 414, "query_too_long")["message"]


async def test_a_query_string_within_the_limit_is_answered_by_the_route(
    read_client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await read_client.get(EVENTS, params={"type": "x" * (settings.max_query_bytes - 8)})

    # The route's own validation answers (the filter's length bound), not the 414 limit.
    [detail] = error_of(response, 422, "invalid_query")["details"]
    assert detail["field"] == "type"


async def test_headers_past_the_limit_are_431(
    anonymous_client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await anonymous_client.get(
        "/api/v1/health", headers={"x-padding": "p" * settings.max_header_bytes}
    )

    assert "headers" in error_of(response, 431, "headers_too_large")["message"]


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[tuple[str, int]]:
    """Questlog under a real uvicorn on a free loopback port, with its serving options."""
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning",
                            lifespan="on", **uvicorn_options(settings))
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield "127.0.0.1", port
    server.should_exit = True
    await task


async def raw_request(address: tuple[str, int], head: bytes) -> tuple[int, dict[str, Any]]:
    """Send a request head over a socket; the status and JSON body of the answer."""
    reader, writer = await asyncio.open_connection(*address)
    writer.write(head)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    _, _, body = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(body)


@pytest.mark.parametrize("size", [16 * 1024, 1024 * 1024], ids=["16KB", "1MB"])
async def test_uvicorn_answers_a_long_query_string_with_the_414_envelope(
    served: tuple[str, int], size: int
) -> None:
    head = b"GET /api/v1/events?type=" + b"x" * size
    head += b" HTTP/1.1\r\nHost: q\r\nConnection: close\r\n\r\n"

    status, body = await raw_request(served, head)

    assert (status, body["ok"], body["error"]["code"]) == (414, False, "query_too_long")


@pytest.mark.parametrize("size", [20 * 1024, 1024 * 1024], ids=["20KB", "1MB"])
async def test_uvicorn_answers_large_headers_with_the_431_envelope(
    served: tuple[str, int], size: int
) -> None:
    head = b"GET /api/v1/health HTTP/1.1\r\nHost: q\r\nConnection: close\r\nX-Padding: "
    head += b"p" * size + b"\r\n\r\n"

    status, body = await raw_request(served, head)

    assert (status, body["error"]["code"]) == (431, "headers_too_large")


@pytest.mark.parametrize(("head", "status"), [
    (b"GET /api/v1/events?type=" + b"x" * (1024 * 1024), 414),
    (b"GET /api/v1/health HTTP/1.1\r\nHost: q\r\nX-Padding: " + b"p" * (1024 * 1024), 431),
], ids=["query", "headers"])
async def test_uvicorn_answers_a_head_past_its_bound_before_the_head_ends(
    served: tuple[str, int], head: bytes, status: int
) -> None:
    """Never buffered whole: the answer comes while the head is still unfinished."""
    status_found, body = await raw_request(served, head)

    assert (status_found, body["ok"]) == (status, False)


async def test_uvicorn_still_serves_an_ordinary_request(served: tuple[str, int]) -> None:
    status, body = await raw_request(
        served, b"GET /api/v1/health HTTP/1.1\r\nHost: q\r\nConnection: close\r\n\r\n"
    )

    assert (status, body["ok"]) == (200, True)


async def send_body(address: tuple[str, int], head: bytes, size: int) -> tuple[int, int]:
    """Send `head` and a body of `size` bytes whatever the server answers meanwhile; the
    status of the answer the client then reads, and the bytes it managed to send."""
    reader, writer = await asyncio.open_connection(*address)
    writer.write(head)
    sent, chunk = 0, b" " * 65536
    while sent < size:
        writer.write(chunk)
        sent += len(chunk)
        await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    return int(answer.split(b" ", 2)[1]), sent


@pytest.mark.parametrize(("key", "status"), [("", 401), ("not-a-key", 401), (ADMIN_KEY, 413)])
async def test_uvicorn_lets_the_client_read_the_early_answer_to_a_large_body(
    served: tuple[str, int], key: str, status: int
) -> None:
    size = 8 * 1024 * 1024
    head = (f"POST /api/v1/jobs/rollup HTTP/1.1\r\nHost: q\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {size}\r\n"
            + (f"Authorization: Bearer {key}\r\n" if key else "") + "\r\n").encode()

    answered, sent = await send_body(served, head, size)

    assert (answered, sent) == (status, size)


async def exchange_raw(address: tuple[str, int], *parts: bytes) -> list[int]:
    """Send `parts` (a pause between them) on one connection; the statuses of the answers
    read until the server closes, in order."""
    reader, writer = await asyncio.open_connection(*address)
    try:
        for i, part in enumerate(parts):
            if i:
                await asyncio.sleep(0.2)
            writer.write(part)
            await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=5)
    finally:
        writer.close()
    return [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3}) ", answer)]


async def test_uvicorn_serves_a_head_that_follows_the_end_of_a_large_body_in_one_read(
    served: tuple[str, int]
) -> None:
    """The bytes before the head began (an earlier request's body) are not the head's."""
    body = b" " * 40_000
    first = (b"POST /api/v1/jobs/rollup HTTP/1.1\r\nHost: q\r\nContent-Type: application/json\r\n"
             b"Content-Length: %d\r\n\r\n%b" % (len(body), body))

    statuses = await exchange_raw(served, first + b"GET /api/v1/health HTTP/1.1\r\nHost: q\r\n",
                                  b"Connection: close\r\n\r\n")

    assert statuses == [401, 200]


async def test_uvicorn_answers_a_pipelined_head_past_its_bound_after_the_request_before_it(
    served: tuple[str, int]
) -> None:
    statuses = await exchange_raw(
        served, b"GET /api/v1/health HTTP/1.1\r\nHost: q\r\n\r\n"
        b"GET /api/v1/health HTTP/1.1\r\nHost: q\r\nX-Padding: " + b"p" * (1024 * 1024))

    assert statuses == [200, 431]


async def test_uvicorn_answers_a_trailer_past_the_bound_with_the_431_envelope(
    served: tuple[str, int]
) -> None:
    """A chunked body's trailer is a head too: httptools would keep its value whole."""
    head = (f"POST /api/v1/jobs/rollup HTTP/1.1\r\nHost: q\r\nAuthorization: Bearer {ADMIN_KEY}"
            "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    trailer = b"X-Trailer: " + b"t" * 1024 * 1024

    statuses = await exchange_raw(served, head + b"2\r\n{}\r\n0\r\n" + trailer)

    assert statuses == [431]


async def test_uvicorn_answers_a_malformed_pipelined_request_after_the_request_before_it(
    served: tuple[str, int]
) -> None:
    statuses = await exchange_raw(
        served, b"GET /api/v1/health HTTP/1.1\r\nHost: q\r\n\r\nBAD\x00REQUEST\r\n\r\n")

    assert statuses == [200, 400]


async def test_uvicorn_keeps_the_connection_after_an_early_answer_to_a_body(
    served: tuple[str, int]
) -> None:
    body = b" " * 300_000
    head = b"POST /api/v1/jobs/rollup HTTP/1.1\r\nHost: q\r\nContent-Length: %d\r\n\r\n" % len(body)

    statuses = await exchange_raw(
        served, head, body, b"GET /api/v1/health HTTP/1.1\r\nHost: q\r\nConnection: close\r\n\r\n")

    assert statuses == [401, 200]


async def test_uvicorn_adds_no_trailer_to_the_request_headers(settings: Settings) -> None:
    """A chunked body's trailer comes after the route began: not a header of the request
    (uvicorn's httptools protocol would append it to the scope's headers meanwhile)."""
    seen: list[list[tuple[bytes, bytes]]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            while (await receive()).get("more_body"):
                pass
            seen.append(list(scope["headers"]))
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                            lifespan="off", **uvicorn_options(settings))
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    address = server.servers[0].sockets[0].getsockname()[:2]
    try:
        statuses = await exchange_raw(
            address, b"POST / HTTP/1.1\r\nHost: q\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\n2\r\n{}\r\n0\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n")
    finally:
        server.should_exit = True
        await task

    assert statuses == [204]
    assert [name for name, _ in seen[0]] == [b"host", b"transfer-encoding", b"connection"]
