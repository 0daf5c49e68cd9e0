"""What schemathesis generates as valid from the OpenAPI document, the server accepts:
the document describes the event bodies exactly (a discriminated oneOf of the per-type
schemas), so a client generator or a fuzzer can produce events that are stored.

The two rules beyond any JSON Schema, both stated in the document's `Event`
description, are applied to the generated events: occurred_at is moved to the
server's clock (it must be within max_past_days / max_future_seconds of it), and an
event over max_event_bytes must be answered 413 event_too_large. A session belongs to
the first player who used it (seed 001), a rule beyond any schema too: each generated
event gets a session_id of its own, since the generated ids repeat across examples and
the fuzz tests' requests on the same app, with other players.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import INGEST_KEY
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from openapi_app import SCHEMA, SETTINGS
from openapi_app import app_stops_after_the_module as app_stops_after_the_module
from schemathesis import GenerationMode

ACCEPT_EXAMPLES = 40


def on_the_servers_clock(event: Any) -> Any:
    """`event` at the server's time, in a session of its own."""
    if not isinstance(event, dict):
        return event
    if event.get("occurred_at") is not None:
        event = {**event, "occurred_at": datetime.now(UTC).isoformat()}
    if event.get("session_id") is not None:
        event = {**event, "session_id": uuid.uuid4().hex}
    return event


def size_of(event: Any) -> int:
    return len(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode())


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/events/batch"])
def test_events_generated_from_the_document_are_accepted(path: str) -> None:
    operation = SCHEMA[path]["POST"]

    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @hypothesis_settings(
        max_examples=ACCEPT_EXAMPLES, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck),
    )
    def accepted(case: Any) -> None:
        if path.endswith("batch"):
            events = [on_the_servers_clock(e) for e in case.body["events"]]
            case.body = {"events": events}  # without sent_at, which would shift the times
            events = case.body["events"]
        else:
            case.body = on_the_servers_clock(case.body)
            events = [case.body]
        response = case.call(headers={"Authorization": f"Bearer {INGEST_KEY}"})
        text = response.text[:600]
        big = {i for i, e in enumerate(events) if size_of(e) > SETTINGS.max_event_bytes}
        if path.endswith("batch"):
            assert response.status_code == 200, text
            rejections = response.json()["data"]["rejections"]
            expected = {(i, "event_too_large") for i in big}
            assert {(r["index"], r["code"]) for r in rejections} == expected, text
        elif big:
            assert response.status_code == 413, text
        else:
            assert response.status_code == 202, text

    accepted()
