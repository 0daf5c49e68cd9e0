"""Seed 002's `analytics` envelopes over a WebSocket: one batch in, one answer out.

    -> {"type": "analytics", "id": "b-17", "version": 1, "sent_at": "...", "events": [...]}
    <- {"type": "analytics_ack", "id": "b-17", "accepted": 2, "duplicates": 0, "rejected": 1,
        "event_ids": [...], "rejections": [...]}
    <- {"type": "error", "id": "b-17", "error": {"code": "analytics_version", "message": ...}}

The counts are those of POST /api/v1/events/batch; what cannot be read as a batch is
quarantined as there, and answered with an error (the socket stays open).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from questlog.ingest.codes import Code
from questlog.ingest.schemas import BatchIn, IngestResultOut
from questlog.ingest.service import Ingestor
from questlog.ingest.validation import describe_errors, summarize

VERSIONS = (1, "1", "1.0")


def error(message_id: Any, code: str, text: str) -> dict[str, Any]:
    return {"type": "error", "id": message_id, "error": {"code": code, "message": text}}


async def answer(text: str, *, ingestor: Ingestor, max_events: int,
                 api_key: str) -> dict[str, Any]:
    """The answer to one message of the socket."""
    try:
        message = json.loads(text)
    except ValueError:
        await ingestor.reject_request(Code.MALFORMED_JSON, "not JSON", text, api_key=api_key)
        return error(None, Code.MALFORMED_JSON, "the message is not JSON")
    if not isinstance(message, dict) or message.get("type") != "analytics":
        kind = message.get("type") if isinstance(message, dict) else None
        return error(None, "unknown_message_type",
                     f"expected a message of type 'analytics', not {str(kind)[:32]!r}")
    message_id = message.get("id")
    if message.get("version", 1) not in VERSIONS:
        return error(message_id, "analytics_version",
                     f"analytics envelope version {str(message.get('version'))[:16]!r} is not "
                     "known; this server reads version 1")
    try:
        batch = BatchIn.model_validate({k: message[k] for k in ("events", "sent_at")
                                        if k in message})
    except ValidationError as exc:
        reason = f"not a batch: {summarize(describe_errors(exc))}"
        await ingestor.reject_request(Code.INVALID_BATCH, reason, text, api_key=api_key)
        return error(message_id, Code.INVALID_BATCH, reason)
    if len(batch.events) > max_events:
        reason = f"{len(batch.events)} events; the limit is {max_events}"
        await ingestor.reject_request(Code.BATCH_TOO_LARGE, reason, text, api_key=api_key)
        return error(message_id, Code.BATCH_TOO_LARGE, reason)
    result = await ingestor.ingest(batch.events, sent_at=batch.sent_at, api_key=api_key)
    return {"type": "analytics_ack", "id": message_id,
            **IngestResultOut.of(result).model_dump()}
