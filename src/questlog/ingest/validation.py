"""Turning one raw event into a document to store, or a precise rejection. Pure functions."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pydantic_core
from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from questlog.events import EVENT_TYPES, MODELS_BY_TAG
from questlog.events.fields import fields_validator
from questlog.events.registry import tag_of, versions_of
from questlog.ingest.codes import Code

MAX_ERRORS_IN_MESSAGE = 3
# Each type and version's validation into the dict of its fields: the document to
# store, with no model instance made and copied per event (questlog.events.fields).
FIELDS_BY_TAG = {tag: fields_validator(model) for tag, model in MODELS_BY_TAG.items()}


@dataclass(frozen=True)
class Limits:
    max_event_bytes: int
    max_future: timedelta
    max_past: timedelta


@dataclass(frozen=True)
class Context:
    """What the server knows about the request an event came in."""

    received_at: datetime
    ingest_id: str
    company_salt: str
    sent_at: datetime | None = None


@dataclass(frozen=True)
class Rejection:
    index: int
    code: Code
    message: str
    event_id: str | None = None
    event_type: str | None = None
    raw: str = ""
    details: list[dict[str, Any]] = field(default_factory=list)
    size: int | None = None  # of a refused request's body, which `raw` may only begin


@dataclass(frozen=True)
class AmbiguousEvent:
    """An event whose JSON named `key` twice in one object (at `path`): which of the two
    values was meant is unknown, and a proxy reading the first would disagree with a
    store keeping the last, so it is rejected, never stored."""

    item: object
    path: str
    key: str


def _ambiguous(event: AmbiguousEvent, index: int) -> Rejection:
    encoded = json.dumps(event.item, separators=(",", ":"), default=str).encode(errors="replace")
    where = f"{event.path}." if event.path else ""
    message = f"duplicate key {where}{event.key[:64]!r} in an object"
    details = [{"field": where + event.key, "message": message, "kind": "duplicate_key"}]
    return _rejection(event.item, index, encoded, Code.INVALID_EVENT, message, details)


def _rejection(
    item: object, index: int, encoded: bytes, code: Code, message: str,
    details: list[dict[str, Any]] | None = None,
) -> Rejection:
    ids = item if isinstance(item, dict) else {}
    return Rejection(
        index=index, code=code, message=message, raw=encoded.decode(), details=details or [],
        event_id=_storable_text(ids.get("event_id")), event_type=_storable_text(ids.get("type")),
    )


def _storable_text(value: object) -> str | None:
    """`value` if it is a string MongoDB can store and JSON can answer: no lone surrogate."""
    if not isinstance(value, str):
        return None
    try:
        value.encode()
    except UnicodeEncodeError:
        return None
    return value


def check_event(
    item: object, *, index: int, limits: Limits, context: Context
) -> dict[str, Any] | Rejection:
    """Validate and normalise one event; return its document or why it was rejected."""
    if isinstance(item, AmbiguousEvent):
        return _ambiguous(item, index)
    try:
        encoded = pydantic_core.to_json(item, fallback=str)
    except PydanticSerializationError:
        # JSON may escape a lone surrogate ("\ud800"), but no UTF-8 string holds one, so
        # MongoDB could not store it: keep it escaped for the quarantine, and refuse it.
        encoded = json.dumps(item, separators=(",", ":"), default=str).encode()
        return _rejection(item, index, encoded, Code.INVALID_EVENT,
                          "strings must be valid Unicode (a lone surrogate)")

    def reject(code: Code, message: str, details: list[dict[str, Any]] | None = None) -> Rejection:
        return _rejection(item, index, encoded, code, message, details)

    size = len(encoded)
    if not isinstance(item, dict):
        return reject(Code.INVALID_EVENT, "an event must be a JSON object")
    if size > limits.max_event_bytes:
        return reject(
            Code.EVENT_TOO_LARGE, f"event is {size} bytes; the limit is {limits.max_event_bytes}"
        )
    event_type = item.get("type")
    if not isinstance(event_type, str):
        return reject(Code.INVALID_EVENT, "type: a string is required")
    if event_type not in EVENT_TYPES:
        return reject(Code.UNKNOWN_EVENT_TYPE, f"unknown event type {event_type[:64]!r}")
    tag = tag_of(item) or ""  # never None for a dict
    validate = FIELDS_BY_TAG.get(tag)
    if validate is None:
        return reject(
            Code.UNSUPPORTED_VERSION,
            f"{event_type} has schema versions {versions_of(event_type)}, "
            f"not {tag.partition('@')[2][:16]}",
        )
    try:
        # The tag's own field validation (events/fields.py), not the union
        # (EVENT_ADAPTER): the union would find the tag again through tag_of, in Python,
        # for every event. Same errors, without the tag at the head of their location.
        document = validate(item)
    except ValidationError as exc:
        details = describe_errors(exc)
        return reject(Code.INVALID_EVENT, summarize(details), details)

    occurred_at = corrected_time(document["occurred_at"], context)
    if occurred_at is not None:
        ahead = occurred_at - context.received_at  # one subtraction for both bounds
        if ahead > limits.max_future:
            return reject(
                Code.TIMESTAMP_IN_FUTURE,
                f"occurred_at is more than {limits.max_future} ahead of the server's clock",
            )
        if -ahead > limits.max_past:
            return reject(
                Code.TIMESTAMP_TOO_OLD, f"occurred_at is more than {limits.max_past.days} days old"
            )
    return normalise(document, occurred_at, context)


def corrected_time(occurred_at: datetime | None, context: Context) -> datetime | None:
    """Move the client's time onto the server's clock: received_at - (sent_at - occurred_at)."""
    if occurred_at is None or context.sent_at is None:
        return occurred_at
    try:
        return context.received_at - (context.sent_at - occurred_at)
    except OverflowError:
        # A clock off by millennia: clamp to the calendar's end; the range checks reject it.
        edge = datetime.min if context.sent_at > occurred_at else datetime.max
        return edge.replace(tzinfo=UTC)


def normalise(
    document: dict[str, Any], occurred_at: datetime | None, context: Context
) -> dict[str, Any]:
    """`document` (an event's fields) made the document to store, in place."""
    event_id = document.pop("event_id") or sequence_event_id(document) or str(uuid.uuid4())
    company_name = document.pop("company_name", None)
    if company_name and not document.get("company_id"):
        document["company_id"] = company_id_for(company_name, context.company_salt)
    if context.sent_at is not None:
        client_occurred_at = document["occurred_at"]
        document["client_occurred_at"] = client_occurred_at and to_millis(client_occurred_at)
        document["sent_at"] = to_millis(context.sent_at)
    document["occurred_at"] = occurred_at and to_millis(occurred_at)
    document["received_at"] = context.received_at
    document["event_time"] = document["occurred_at"] or context.received_at
    document["ingest_id"] = context.ingest_id
    document["_id"] = event_id
    return document


def sequence_event_id(document: dict[str, Any]) -> str | None:
    """Seed 002's dedup key as an event_id: the same (user_id, client_guid, seq) is the
    same event, however often it is sent. None unless the event has all three (only
    gameplay events have a client_guid)."""
    user_id, client_guid, seq = (document.get(k) for k in ("user_id", "client_guid", "seq"))
    if user_id is None or client_guid is None or seq is None:
        return None
    key = f"{user_id}\x1f{client_guid}\x1f{seq}".encode()
    return "seq-" + hashlib.sha256(key).hexdigest()[:32]


# timedelta(microseconds=n) for each n under a millisecond, made once: making one per
# event (its keyword parsed) cost more than the subtraction itself.
_SUB_MILLISECOND = tuple(timedelta(microseconds=n) for n in range(1000))


def to_millis(moment: datetime) -> datetime:
    """MongoDB keeps milliseconds: trim to them so that what is published equals what is stored."""
    # A subtraction: replace(microsecond=...) parses its keyword, at a third more per call.
    extra = moment.microsecond % 1000
    return moment - _SUB_MILLISECOND[extra] if extra else moment


def company_id_for(name: str, salt: str) -> str:
    """Seed 004: c_ + sha256(normalised name + salt)[:12], whatever the casing or punctuation."""
    normalised = " ".join(re.sub(r"[^\w\s]", "", name.lower()).split())
    return "c_" + hashlib.sha256((normalised + salt).encode()).hexdigest()[:12]


def describe_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors as {field, message, kind}, without the union's tag in the path."""
    out = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = [str(p) for p in error["loc"]]
        if loc and loc[0] in MODELS_BY_TAG:  # a union's tag, not a field a client sent
            loc = loc[1:]
        field_path = ".".join(loc) or "event"
        out.append({"field": field_path, "message": error["msg"], "kind": error["type"]})
    return out


def summarize(details: list[dict[str, Any]]) -> str:
    """The first few errors of `details` in one line, for an error's message."""
    shown = details[:MAX_ERRORS_IN_MESSAGE]
    return "; ".join(f"{d['field']}: {d['message']}" for d in shown)
