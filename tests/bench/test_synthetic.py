"""The benchmarks' synthetic events: every type a load asks for, each one valid."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from questlog.bench.raw import stored_event
from questlog.bench.synthetic import MAX_TYPES, MIX, synthetic_events
from questlog.ingest.validation import Context

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def test_the_dense_days_ten_types_are_the_politics_mix_then_gameplays() -> None:
    events = list(synthetic_events(3000, now=NOW, types=10))

    counted = Counter(e["type"] for e in events)

    assert set(counted) == {t for t, _, _ in MIX} | {"xp_gain"}
    assert counted["xp_gain"] > 0.1 * len(events)
    context = Context(received_at=NOW, ingest_id="i", company_salt="bench")
    for index, event in enumerate(events):  # each would be stored as ingestion stores it
        assert stored_event(event, index=index, context=context)["type"] == event["type"]


def test_the_default_load_is_the_politics_mix_alone() -> None:
    counted = Counter(e["type"] for e in synthetic_events(2000, now=NOW))

    assert set(counted) == {t for t, _, _ in MIX}


@pytest.mark.parametrize("types", [0, MAX_TYPES + 1])
def test_a_count_of_types_out_of_range_is_an_error_at_once(types: int) -> None:
    with pytest.raises(ValueError, match=f"types must be 1 to {MAX_TYPES}"):
        synthetic_events(10, now=NOW, types=types)
