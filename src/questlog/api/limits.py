"""Bounds on a request's head: a query string past max_query_bytes answers 414, headers
past max_header_bytes 431, in the envelope, before any route (or credential) is looked at.

RequestHeadLimits checks them in the app. Under uvicorn the head is never held whole
past a bound: EnvelopeProtocol, uvicorn's httptools protocol, counts the head's bytes as
they arrive and, past our limits and some room for the path, answers with the same 414
or 431 envelope, then reads and drops what the client still sends (for a while, up to
a bound) before closing, so that the client reads the answer instead of a reset.
(httptools rather than h11: about a tenth less of the server's CPU a single event;
docs/performance-history.md, "Single events, fifth pass".)
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any, cast

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from questlog.api.writes import CorkedWrites
from questlog.settings import Settings

# Room beside our limits for the request line's method, path and version.
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

    def __init__(self, transport: Any, protocol: EnvelopeProtocol) -> None:
        self._transport, self._protocol = transport, protocol

    def close(self) -> None:
        protocol = self._protocol
        if protocol.receiving_body() and not protocol._draining:
            protocol.linger()
        else:
            self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class EnvelopeProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol, answering a head past its bound with our 414 or 431,
    closing a connection whose body was left unread only once the client stopped, and
    sending each answer in one write (api.writes)."""

    settings: Settings  # set by uvicorn_options on a subclass
    _draining = 0
    _counting = False  # a head (or a chunked body's trailer) is being read
    _counted = 0
    _began_here = False  # ... and it began in the bytes being fed now
    _refusal: bytes | None = None  # an answer past the bound, held for earlier answers

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._real_transport = transport
        self._corked = CorkedWrites(transport, writing=self.answering)
        self.transport = cast(asyncio.Transport, LingeringClose(self._corked, self))

    def answering(self) -> bool:
        """An answer's head is sent, its body not all yet."""
        cycle = self.cycle
        return cycle is not None and cycle.response_started and not cycle.response_complete

    def receiving_body(self) -> bool:
        """The parser is inside the body of the last request whose head was read."""
        cycle = self.cycle
        return cycle is not None and cycle.scope is self.scope and cycle.more_body

    def linger(self) -> None:
        self._draining = 1
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.flow.resume_reading()
        self.loop.call_later(DRAIN_SECONDS, self._real_transport.close)

    def eof_received(self) -> bool | None:  # type: ignore[override]  # asyncio.Protocol's
        if self._refusal is not None:
            return True  # half open: the earlier answers and the refusal are still to go
        if self._draining:
            self._real_transport.close()
        return None

    def data_received(self, data: bytes) -> None:
        if self._draining:  # the answer is sent: drop the rest of the request
            self._draining += len(data)
            if self._draining > DRAIN_BYTES:
                self._real_transport.close()
            return
        self._began_here = False
        super().data_received(data)
        if self._counting:
            # Where the head began in `data`, what came before it (an earlier request,
            # the end of a body) is not its: only what the parser made of it counts.
            self._counted = self._seen() if self._began_here else self._counted + len(data)
            bound = self.settings.max_query_bytes + self.settings.max_header_bytes + HEAD_SLACK
            if self._counted > bound:
                self._refuse()

    def _seen(self) -> int:
        if self.receiving_body():  # a trailer
            return 0
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    # The parser's callbacks: whether a head or a trailer is being read
    def on_message_begin(self) -> None:
        self._counting = self._began_here = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._counting = False
        super().on_headers_complete()

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.receiving_body():  # a trailer's fields are dropped, as h11's were:
            super().on_header(name, value)  # uvicorn would add them to the request's headers

    def on_chunk_header(self) -> None:  # the last chunk's trailer may follow
        self._counting = self._began_here = True

    def on_body(self, body: bytes) -> None:
        self._counting = False
        super().on_body(body)

    def on_chunk_complete(self) -> None:
        self._counting = False

    def _refuse(self) -> None:
        """Past the bound: 414 if the URL so far is longer than a query may be, else 431;
        the parser is fed nothing more (httptools would keep a header's value whole)."""
        limits = self.settings
        status, body = (too_long_query(limits.max_query_bytes)
                        if not self.receiving_body() and len(self.url) > limits.max_query_bytes
                        else too_large_headers(limits.max_header_bytes))
        self._end_request(status, body, b"application/json")

    def send_400_response(self, msg: str) -> None:
        self._end_request(400, msg.encode(), b"text/plain; charset=utf-8")

    def _end_request(self, status: int, body: bytes, content_type: bytes) -> None:
        """Answer `status` to the request being read, read no more and close: after the
        answers to the requests before it (HTTP/1.1 answers in order). Inside a request
        whose route runs, the route is told the client left; if it answered already,
        the connection closes once that answer is out."""
        cycle, self._draining = self.cycle, 1
        if self.receiving_body():
            if cycle.response_started:
                cycle.keep_alive = False
                if cycle.response_complete:
                    self.linger()
                return
            cycle.disconnected = True
            cycle.message_event.set()
        self._refusal = b"".join([
            b"HTTP/1.1 %d %s\r\n" % (status, HTTPStatus(status).phrase.encode()),
            b"content-type: %s\r\nconnection: close\r\n" % content_type,
            b"content-length: %d\r\n\r\n" % len(body), body,
        ])
        self._send_refusal()

    def on_response_complete(self) -> None:
        # The answer's last write came while it was not complete yet: it goes now, not
        # at the loop's next turn after whatever the app does once its answer is sent.
        self._corked.flush()
        super().on_response_complete()
        self._send_refusal()

    def _send_refusal(self) -> None:
        """The refusal, once every answer before it is complete (HTTP/1.1 answers in
        order), after them in the same write."""
        cycle = self.cycle  # (a route told the client left answers nothing)
        earlier = self.pipeline or (cycle is not None and not cycle.response_complete
                                    and not cycle.disconnected)
        if self._refusal is not None and not earlier:
            refusal, self._refusal = self._refusal, None
            self._unset_keepalive_if_required()
            self.transport.write(refusal)
            self.linger()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Options for uvicorn.run: our httptools protocol, bounding the head."""
    return {"http": type("QuestlogProtocol", (EnvelopeProtocol,), {"settings": settings})}
