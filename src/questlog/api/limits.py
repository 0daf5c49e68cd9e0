"""Bounds on a request's head: a query string past max_query_bytes answers 414, headers
past max_header_bytes 431, in the envelope, before any route (or credential) is looked at.

RequestHeadLimits checks them in the app. Uvicorn's HTTP parser (h11) keeps a request's
head in a buffer of its own limit and, past it, answers a plain 400 and resets the
connection; `uvicorn_options` sets that buffer just above our limits, and
EnvelopeH11Protocol answers past it with the same 414 or 431 envelope, then reads and
drops what the client still sends (for a while, up to a bound) before closing, so that
the client reads the answer instead of a reset.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import h11
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from questlog.api.writes import CorkedWrites
from questlog.settings import Settings

# Room in uvicorn's buffer for the request line's method, path and version.
HEAD_SLACK = 4096
DRAIN_BYTES = 64 * 1024 * 1024
DRAIN_SECONDS = 2.0


def envelope(status: int, code: str, message: str) -> bytes:
    body = {"ok": False, "error": {"code": code, "message": message, "details": []}}
    return json.dumps(body, separators=(",", ":")).encode()


def too_long_query(limit: int) -> tuple[int, bytes]:
    return 414, envelope(414, "query_too_long", f"the query string is over {limit} bytes")


def too_large_headers(limit: int) -> tuple[int, bytes]:
    return 431, envelope(431, "headers_too_large", f"the request headers are over {limit} bytes")


def head_problem(settings: Settings, query: bytes, headers: list[tuple[bytes, bytes]]
                 ) -> tuple[int, bytes] | None:
    if len(query) > settings.max_query_bytes:
        return too_long_query(settings.max_query_bytes)
    if sum(len(name) + len(value) + 4 for name, value in headers) > settings.max_header_bytes:
        return too_large_headers(settings.max_header_bytes)
    return None


class RequestHeadLimits:
    """ASGI middleware: 414 / 431 in the envelope for a query string or headers too large."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = head_problem(self.settings, scope.get("query_string", b""),
                                   scope.get("headers", []))
            if problem is not None:
                status, body = problem
                await send({"type": "http.response.start", "status": status, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class LingeringClose:
    """The connection's transport, closing only after the client stopped sending.

    A route may answer before reading the body (401 without a credential, 413 past a
    limit); closing then, with the client still sending, resets the connection and the
    client may never read the answer. So the rest is read and dropped first (for
    DRAIN_SECONDS, DRAIN_BYTES at most: nothing is kept).
    """

    def __init__(self, transport: Any, protocol: EnvelopeH11Protocol) -> None:
        self._transport, self._protocol = transport, protocol

    def close(self) -> None:
        protocol = self._protocol
        if protocol.conn.their_state is h11.SEND_BODY and not protocol._draining:
            protocol.linger()
        else:
            self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class EnvelopeH11Protocol(H11Protocol):
    """Uvicorn's h11 protocol, answering a head past its buffer with our 414 or 431,
    closing a connection whose body was left unread only once the client stopped, and
    sending each answer in one write (api.writes)."""

    settings: Settings  # set by uvicorn_options on a subclass
    _draining = 0

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._real_transport = transport
        corked = CorkedWrites(transport, writing=lambda: self.conn.our_state is h11.SEND_BODY)
        self.transport = cast(asyncio.Transport, LingeringClose(corked, self))

    def linger(self) -> None:
        self._draining = 1
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.flow.resume_reading()
        self.loop.call_later(DRAIN_SECONDS, self._real_transport.close)

    def eof_received(self) -> None:
        if self._draining:
            self._real_transport.close()
            return
        super().eof_received()

    def data_received(self, data: bytes) -> None:
        if self._draining:  # the answer is sent: drop the rest of the request
            self._draining += len(data)
            if self._draining > DRAIN_BYTES:
                self._real_transport.close()
            return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        buffered, _ = self.conn.trailing_data
        limit = self.settings.max_query_bytes + self.settings.max_header_bytes + HEAD_SLACK
        if len(buffered) <= limit:
            return super().send_400_response(msg)
        request_line_done = b"\r\n" in buffered[: limit]
        status, body = (too_large_headers(self.settings.max_header_bytes) if request_line_done
                        else too_long_query(self.settings.max_query_bytes))
        headers = [(b"content-type", b"application/json"), (b"connection", b"close"),
                   (b"content-length", str(len(body)).encode())]
        for event in (h11.Response(status_code=status, headers=headers),
                      h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.linger()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Options for uvicorn.run: h11 with a head buffer just above our limits."""
    protocol = type("QuestlogH11Protocol", (EnvelopeH11Protocol,), {"settings": settings})
    return {
        "http": protocol,
        "h11_max_incomplete_event_size":
            settings.max_query_bytes + settings.max_header_bytes + HEAD_SLACK,
    }
