"""Reading a JSON request body: one rule for its media type, a bound on its size, strict JSON.

The rule, the same on every route that takes a body: a body is JSON, sent as
`application/json` (or an `application/*+json` type), or with no Content-Type at all;
any other media type answers 415 `unsupported_media_type` before the body is read.
Routes read their body only after the credential was checked (see api.deps), and
never more than their limit: past it they stop reading and answer 413.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from questlog.api.envelope import ApiError
from questlog.ingest.validation import describe_errors, summarize

# How much of an over-limit body is kept for its quarantine record.
HEAD_BYTES = 1024

M = TypeVar("M", bound=BaseModel)


class BodyTooLarge(ApiError):
    """A body past its limit; `head` holds its first bytes and `size` what is known of it."""

    def __init__(self, code: str, limit: int, *, size: int, declared: bool, head: bytes) -> None:
        told = f"declared as {size} bytes" if declared else f"more than {limit} bytes"
        super().__init__(413, code, f"request body is over {limit} bytes ({told})")
        self.limit, self.size, self.declared, self.head = limit, size, declared, head


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"duplicate key {key[:64]!r} in an object")
        self.key = key


def check_media_type(request: Request) -> None:
    value = request.headers.get("content-type", "").strip()
    media = value.partition(";")[0].strip().lower()
    if not media or media == "application/json":
        return
    if media.startswith("application/") and media.endswith("+json"):
        return
    raise ApiError(
        415, "unsupported_media_type",
        f"send the body as JSON, with Content-Type: application/json (not {media[:64]!r})",
    )


async def read_body(request: Request, max_bytes: int, *, code: str) -> bytes:
    """The body, read only up to `max_bytes`: past them, BodyTooLarge (413 `code`)."""
    check_media_type(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:  # read its head only, for the record
        raise BodyTooLarge(code, max_bytes, size=int(declared), declared=True,
                           head=await read_head(request))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise BodyTooLarge(code, max_bytes, size=len(body), declared=False,
                               head=bytes(body[:HEAD_BYTES]))
    return bytes(body)


async def read_head(request: Request) -> bytes:
    """The first HEAD_BYTES of a body that is refused unread, for its quarantine record."""
    head = bytearray()
    async for chunk in request.stream():
        head += chunk[: HEAD_BYTES - len(head)]
        if len(head) >= HEAD_BYTES:
            break
    return bytes(head)


def _number(text: str) -> float | int:
    """A JSON number with a fraction or exponent; an integral one (1.0, 2e3) is an integer.

    JSON has one number type, and JSON Schema's "integer" holds 1.0: what the OpenAPI
    document declares an integer is accepted so written. Only up to 2**53, where a
    float still holds every integer exactly.
    """
    value = float(text)
    if value.is_integer() and abs(value) <= 2**53:
        return int(value)
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return obj


class RepeatedKeys(dict[str, Any]):
    """A JSON object that named a key more than once (the last value is kept)."""

    repeated: str


def _marking_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    marked = RepeatedKeys(obj)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            marked.repeated = key
            break
        seen.add(key)
    return marked


def parse_json(body: bytes, *, mark_duplicates: bool = False) -> Any:
    """Parse strictly: no NaN or Infinity, bounded nesting, and no key twice in an object.

    A repeated key raises DuplicateKey, or with `mark_duplicates` makes that object a
    RepeatedKeys (for the event routes, which reject only the event that holds it).
    """
    hook = _marking_keys if mark_duplicates else _unique_keys
    try:
        return json.loads(
            body, parse_constant=_no_constants, parse_float=_number, object_pairs_hook=hook
        )
    except DuplicateKey:
        raise
    except (ValueError, RecursionError) as exc:
        message = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ApiError(400, "malformed_json", f"request body is not valid JSON: {message}") from exc


def repeated_key(value: Any) -> tuple[str, str] | None:
    """(path of the object, key) of the first repeated key found in `value`, if any."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, RepeatedKeys):
            return path, node.repeated
        if isinstance(node, dict):
            stack.extend((v, f"{path}.{k}" if path else k) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(node))
    return None


async def read_model(
    request: Request, model: type[M], max_bytes: int, *, optional: bool = False
) -> M:
    """Read, bound and validate the body as `model` (422 invalid_body when it is not one).

    Called by api.deps.body_of once the credential was checked: nothing is read for a
    request without one.
    """
    body = await read_body(request, max_bytes, code="body_too_large")
    if not body.strip():
        if optional:  # every field has its default
            return model()
        raise ApiError(422, "invalid_body", "body: a JSON object is required",
                       [{"field": "body", "message": "required", "kind": "missing"}])
    try:
        parsed = parse_json(body)
    except DuplicateKey as exc:
        raise ApiError(422, "invalid_body", str(exc), [
            {"field": exc.key, "message": str(exc), "kind": "duplicate_key"}
        ]) from None
    try:
        return model.model_validate(parsed)
    except ValidationError as exc:
        details = describe_errors(exc)
        raise ApiError(422, "invalid_body", summarize(details), details) from None


def body_doc(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """The OpenAPI requestBody of a route that reads `model` through api.deps.body_of."""
    schema = model.model_json_schema(mode="validation")
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": required, "content": content}}
