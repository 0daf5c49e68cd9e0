"""Each answer in one socket write (api.writes), under `questlog serve`'s protocol, and
written when the answer completes rather than at the event loop's next turn."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from questlog.api.app import create_app
from questlog.api.limits import EnvelopeProtocol, uvicorn_options
from questlog.settings import Settings


class Socket:
    """A transport that records its writes."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None: ...
    def resume_reading(self) -> None: ...
    def close(self) -> None: ...
    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None: ...


async def test_an_answer_is_one_write_made_as_it_completes(settings: Settings) -> None:
    options = uvicorn_options(settings)
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="off", **options)
    protocol: EnvelopeProtocol = options["http"](config=config, server_state=ServerState(),
                                                 app_state={})
    socket = Socket()
    protocol.connection_made(socket)
    written_on_completion: list[int] = []
    on_response_complete = protocol.on_response_complete

    def complete() -> None:
        on_response_complete()
        written_on_completion.append(len(socket.writes))

    protocol.on_response_complete = complete  # type: ignore[method-assign]

    # Answered by the app's head limits: no store needed.
    padding = b"p" * settings.max_header_bytes
    protocol.data_received(b"GET /api/v1/health HTTP/1.1\r\nHost: q\r\nX-Padding: %b\r\n\r\n"
                           % padding)
    for _ in range(100):
        if written_on_completion:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)

    [answer] = socket.writes
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert answer.endswith(b"}")
    assert written_on_completion == [1]
