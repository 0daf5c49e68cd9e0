"""The one wall clock: services take `clock=utcnow` so tests can pass another."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
