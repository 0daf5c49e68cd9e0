"""A naive datetime read from the store, made UTC again: the same moment, with UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from questlog.store.naive import in_utc


@given(st.datetimes())
def test_a_naive_datetime_made_utc_is_the_same_moment_in_utc(moment: datetime) -> None:
    made = in_utc(moment)

    assert made == moment.replace(tzinfo=UTC)
    assert made.tzinfo is UTC
