"""Seed 001 (test sessions): `POST /v1/telemetry/events`.

A request is `{"source", "events": [{"event_type", "client_ts", "seq", "session_id",
"question_id", "payload"}]}`, at most 50 events; each maps onto the exam_sessions
catalog (event_type -> type, client_ts -> occurred_at, the request's source on every
event). The seed takes the user from its login; here an event may name its `user_id`,
or the request one for all. The answer is the seed's `{"accepted", "rejected",
"rejected_reasons_sample"}`, at most 5 reasons.
"""

from __future__ import annotations

from typing import Any

from questlog.compat.renames import renamed

MAX_EVENTS = 50
MAX_REASONS = 5
NAMES = {"event_type": "type", "client_ts": "occurred_at"}


def to_event(item: Any, *, source: Any = None, user_id: Any = None) -> Any:
    event = renamed(item, NAMES)
    if isinstance(event, dict):
        if source is not None and "source" not in event:
            event["source"] = source
        if user_id is not None and "user_id" not in event:
            event["user_id"] = user_id
    return event


def batch_events(batch: dict[str, Any]) -> list[Any]:
    return [to_event(e, source=batch.get("source"), user_id=batch.get("user_id"))
            for e in batch["events"]]


def answer(*, accepted: int, rejections: list[tuple[int, str, str]]) -> dict[str, Any]:
    """Stored and already-stored events are accepted; reasons are "events[i]: code: message"."""
    return {
        "accepted": accepted,
        "rejected": len(rejections),
        "rejected_reasons_sample": [
            f"events[{index}]: {code}: {message}"
            for index, code, message in rejections[:MAX_REASONS]
        ],
    }


EXAMPLES: list[dict[str, Any]] = [
    {
        "name": "client ingestion",
        "method": "POST", "path": "/v1/telemetry/events",
        "body": {
            "source": "web",
            "events": [{
                "event_type": "QUESTION_VIEWED",
                "client_ts": "2026-01-20T12:34:56Z",
                "seq": 12,
                "session_id": "uuid",
                "question_id": "uuid",
                "payload": {"position": 3},
            }],
        },
        "response": {"accepted": 1, "rejected": 0, "rejected_reasons_sample": []},
    },
    {
        "name": "test the telemetry endpoint (migration instructions)",
        "method": "POST", "path": "/v1/telemetry/events",
        "body": {
            "source": "web",
            "events": [{"event_type": "QUESTION_VIEWED", "session_id": "SESSION_ID",
                        "payload": {"position": 1}}],
        },
    },
]


def mapped(example: dict[str, Any]) -> list[Any]:
    return batch_events(example["body"])
