"""Reading a JSON request body within the size limit, with precise errors."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from questlog.api.envelope import ApiError


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(413, "batch_too_large", f"request body is over {max_bytes} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise ApiError(413, "batch_too_large", f"request body is over {max_bytes} bytes")
    return bytes(body)


def parse_json(body: bytes) -> Any:
    """Parse strictly: no NaN or Infinity, no lone surrogates, bounded nesting."""
    try:
        return json.loads(body, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        message = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ApiError(400, "malformed_json", f"request body is not valid JSON: {message}") from exc
