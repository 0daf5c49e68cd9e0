"""Which figures each event type gets, read off its models."""

from __future__ import annotations

from questlog.events import EVENT_TYPES
from questlog.stats.fields import SHAPES, TypeShape, shape_of


def test_numeric_fields_and_the_success_flag_come_from_the_models() -> None:
    assert shape_of("LOBBY_ATTEMPT") == TypeShape(("difficulty_tier", "spend"), has_success=True)
    assert shape_of("BILL_VOTE") == TypeShape(("seat_weight", "lobby_payments_count"))
    assert shape_of("AttemptSubmitted").has_success


def test_every_version_of_a_type_contributes_its_fields() -> None:
    assert shape_of("POLL_INTERVAL").numeric == ("margin", "moe", "sample_size")


def test_envelope_numbers_and_other_booleans_are_not_measurements() -> None:
    every_field = {name for shape in SHAPES.values() for name in shape.numeric}

    assert {"seq", "schema_version"}.isdisjoint(every_field)
    assert "cap_compressed" not in shape_of("SYSTEM_BALANCE_APPLIED").numeric
    assert not shape_of("SYSTEM_BALANCE_APPLIED").has_success


def test_every_event_type_has_a_shape() -> None:
    assert set(SHAPES) == set(EVENT_TYPES)


def test_a_type_gone_from_the_catalogs_still_counts_its_events() -> None:
    assert shape_of("RETIRED_TYPE") == TypeShape()
