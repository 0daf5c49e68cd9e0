"""Query parameter types shared by the routers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from pydantic import BeforeValidator

from questlog.store.queries import Page


def _as_utc(value: object) -> object:
    """Accept a date (midnight UTC) or a datetime; a datetime without zone is UTC."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return datetime.combine(date.fromisoformat(value), time(), UTC)
        except ValueError:
            return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if not parsed.tzinfo:
            return parsed.replace(tzinfo=UTC)
        try:  # MongoDB compares in UTC: 0001-01-01T00:00+01:00 has no UTC time
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time is out of range in UTC") from None
    return value


TimeParam = Annotated[datetime, BeforeValidator(_as_utc)]


def page_of(number: int, size: int) -> Page:
    return Page(number=number, size=size)
