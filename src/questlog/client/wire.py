"""What the client puts on the wire: events serialized once, batches around them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as the server documents its timestamps."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def serialize_event(event: Mapping[str, Any]) -> str:
    """One event as compact JSON; datetimes become ISO strings.

    Raises TypeError or ValueError for a value JSON cannot carry. NaN and infinities
    are refused here because the server refuses a whole body that contains one.
    """
    return json.dumps(event, default=_default, allow_nan=False, separators=(",", ":"))


def batch_body(events: Sequence[str], *, sent_at: datetime) -> bytes:
    """The body of POST /api/v1/events/batch around already serialized events."""
    return f'{{"events":[{",".join(events)}],"sent_at":"{iso(sent_at)}"}}'.encode()
