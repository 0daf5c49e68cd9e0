"""Query parameter types shared by the routers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator


def _as_utc(value: object) -> object:
    """Accept an ISO 8601 date (midnight UTC) or date-time; a date-time without zone is UTC."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:  # not left to pydantic: it reads "2026" or "0.5" as Unix time
            raise ValueError("expected an ISO 8601 date or date-time, e.g. 2026-05-01") from None
        if not parsed.tzinfo:
            return parsed.replace(tzinfo=UTC)
        try:  # MongoDB compares in UTC: 0001-01-01T00:00+01:00 has no UTC time
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time is out of range in UTC") from None
    return value


TimeParam = Annotated[datetime, BeforeValidator(_as_utc)]


PageParam = Annotated[int, Query(ge=1, le=1_000_000)]
PageSizeParam = Annotated[int, Query(ge=1, le=1000)]
