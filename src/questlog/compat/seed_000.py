"""Seed 000 (Flourish Academy's skill assessment): telemetry events, batches and the close.

Requests: an event is `{event_id, student_id, event_type, timestamp, data, session_id,
mission_id, game_version}`; a batch is `{batch_id, client_version, events}`. They map
onto the skills catalog: student_id -> user_id, event_type -> type, timestamp ->
occurred_at, and a batch's client_version is the game_version of its events that name
none. Task ids, expected and actual durations may travel in `data` (task_id,
expected_duration_s, duration_s): they are lifted to the fields the features read, and
`data` is kept whole. The close answers the seed's `{session_id, status, started_at,
ended_at, message}` with the features beside them.
"""

from __future__ import annotations

from typing import Any

from questlog.compat.renames import renamed

NAMES = {"student_id": "user_id", "event_type": "type", "timestamp": "occurred_at"}
LIFTED = ("task_id", "expected_duration_s", "duration_s")
CLOSED_MESSAGE = "Session closed and behavioral features extracted"


def to_event(item: Any, *, client_version: str | None = None) -> Any:
    event = renamed(item, NAMES)
    if not isinstance(event, dict):
        return event
    data = event.get("data")
    if isinstance(data, dict):
        for name in LIFTED:
            if name in data and name not in event:
                event[name] = data[name]
    if client_version is not None and "game_version" not in event:
        event["game_version"] = client_version
    return event


def batch_events(batch: dict[str, Any]) -> list[Any]:
    version = batch.get("client_version")
    return [to_event(e, client_version=version if isinstance(version, str) else None)
            for e in batch["events"]]


def closed(summary: dict[str, Any]) -> dict[str, Any]:
    """The seed's answer to a close, and the features it says were extracted."""
    return {
        "session_id": summary["session_id"],
        "status": summary["status"],
        "started_at": summary["started_at"],
        "ended_at": summary["ended_at"],
        "message": CLOSED_MESSAGE,
        "features": summary["features"],
    }


EXAMPLES: list[dict[str, Any]] = [
    {
        "name": "ingest single event",
        "method": "POST", "path": "/api/v1/telemetry/events",
        "body": {
            "event_id": "evt-123",
            "student_id": "student-456",
            "event_type": "mission_start",
            "timestamp": "2025-11-13T12:00:00Z",
            "data": {"mission": "alpha", "difficulty": "medium"},
            "session_id": "session-789",
            "mission_id": "mission-alpha",
            "game_version": "1.0.0",
        },
    },
    {
        "name": "ingest batch of events",
        "method": "POST", "path": "/api/v1/telemetry/batch",
        "body": {
            "batch_id": "batch-001",
            "client_version": "1.0.0",
            "events": [
                {"event_id": "evt-1", "student_id": "student-456", "event_type": "mission_start",
                 "timestamp": "2025-11-13T12:00:00Z", "data": {}, "session_id": "session-789"},
                {"event_id": "evt-2", "student_id": "student-456", "event_type": "choice_made",
                 "timestamp": "2025-11-13T12:00:30Z", "data": {"choice": "help_friend"},
                 "session_id": "session-789"},
            ],
        },
    },
    {
        "name": "close session",
        "method": "POST", "path": "/api/v1/telemetry/session/session-789/close",
        "body": None,
        "response": {
            "session_id": "session-789",
            "status": "closed",
            "started_at": "2025-11-13T12:00:00Z",
            "ended_at": "2025-11-13T12:15:00Z",
            "message": CLOSED_MESSAGE,
        },
    },
]


def mapped(example: dict[str, Any]) -> list[Any]:
    """The catalog events an example's request becomes."""
    body = example["body"]
    if body is None:
        return []
    return batch_events(body) if "events" in body else [to_event(body)]
