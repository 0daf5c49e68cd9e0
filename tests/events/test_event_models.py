"""Event contracts: strict models, camelCase input, versions side by side, bounded data."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import bill_vote
from pydantic import ValidationError

from questlog.events import EVENT_ADAPTER, EventBase
from questlog.events.envelope import MAX_DATA_DEPTH


def validate(event: dict[str, Any]) -> EventBase:
    return EVENT_ADAPTER.validate_python(event)


def error_kinds(event: dict[str, Any]) -> list[tuple[str, str]]:
    """(field path without the union tag, pydantic error type) of each error."""
    with pytest.raises(ValidationError) as caught:
        validate(event)
    return [(".".join(str(p) for p in e["loc"][1:]), e["type"]) for e in caught.value.errors()]


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def test_valid_event_becomes_its_typed_model() -> None:
    event = validate(bill_vote(event_id="e-1", seq=3))

    assert type(event).__name__ == "BillVoted"
    assert event.model_dump(exclude_none=True) == {
        "type": "BILL_VOTE", "event_id": "e-1", "schema_version": 1, "seq": 3,
        "user_id": "player-1", "company_id": "company-1", "bill_id": "bill-7", "stance": "yea",
        "seat_weight": 1.5, "lobby_payments_count": 2,
    }


def test_events_are_frozen() -> None:
    event = validate(bill_vote())

    with pytest.raises(ValidationError):
        event.bill_id = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"surprise": 1}, ("surprise", "extra_forbidden")),
        ({"lobby_payments_count": "2"}, ("lobby_payments_count", "int_type")),
        ({"lobby_payments_count": 2.0}, ("lobby_payments_count", "int_type")),
        ({"lobby_payments_count": True}, ("lobby_payments_count", "int_type")),
        ({"seat_weight": "1.5"}, ("seat_weight", "float_type")),
        ({"stance": "maybe"}, ("stance", "literal_error")),
        ({"user_id": 7}, ("user_id", "string_type")),
        ({"user_id": ""}, ("user_id", "string_too_short")),
        ({"event_id": "x" * 129}, ("event_id", "string_too_long")),
        ({"seq": -1}, ("seq", "greater_than_equal")),
        ({"occurred_at": "2024-05-01T12:00:00"}, ("occurred_at", "timezone_aware")),
        ({"occurred_at": "yesterday"}, ("occurred_at", "datetime_from_date_parsing")),
    ],
)
def test_wrong_field_is_rejected_not_coerced(
    overrides: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert error_kinds(bill_vote(**overrides)) == [expected]


@pytest.mark.parametrize("timestamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_timestamp_without_a_utc_equivalent_is_rejected(timestamp: str) -> None:
    [(field, _)] = error_kinds(bill_vote(occurred_at=timestamp))

    assert field == "occurred_at"


def test_timestamps_are_kept_in_utc() -> None:
    event = validate(bill_vote(occurred_at="2024-05-01T14:00:00+02:00"))

    assert event.occurred_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert event.occurred_at is not None
    assert event.occurred_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("timestamp", [1714564800, 1714564800.5])
def test_timestamp_must_be_a_string_not_a_number(timestamp: float) -> None:
    [(field, _)] = error_kinds(bill_vote(occurred_at=timestamp))

    assert field == "occurred_at"


def test_missing_required_field_is_named() -> None:
    event = bill_vote()
    del event["bill_id"]

    assert error_kinds(event) == [("bill_id", "missing")]


def test_non_finite_numbers_are_rejected() -> None:
    assert error_kinds(bill_vote(seat_weight=math.inf)) == [("seat_weight", "finite_number")]


def test_numeric_field_accepts_a_json_integer() -> None:
    assert validate(bill_vote(seat_weight=2)).seat_weight == 2.0  # type: ignore[attr-defined]


def test_seed_003_camel_case_names_are_accepted() -> None:
    event = validate({
        "type": "CAMPAIGN_PHASE_CHANGE",
        "userId": "player-1",
        "companyId": "company-1",
        "createdAt": "2024-05-01T12:00:00Z",
        "metaVersion": 1,
        "campaignId": "campaign-1",
        "phaseFrom": "primary",
        "phaseTo": "general",
    })

    assert event.model_dump(exclude_none=True, mode="json") == {
        "type": "CAMPAIGN_PHASE_CHANGE", "schema_version": 1, "user_id": "player-1",
        "company_id": "company-1", "occurred_at": "2024-05-01T12:00:00Z",
        "campaign_id": "campaign-1", "phase_from": "primary", "phase_to": "general",
    }


def test_camel_case_and_snake_case_mix_in_one_event() -> None:
    event = validate({
        "type": "CAMPAIGN_PHASE_CHANGE", "campaign_id": "c", "phaseFrom": "a", "phase_to": "b",
        "schemaVersion": 1, "occurredAt": "2024-05-01T12:00:00+02:00",
    })

    assert (event.phase_from, event.phase_to) == ("a", "b")  # type: ignore[attr-defined]
    assert event.occurred_at is not None
    assert event.occurred_at.utcoffset() is not None


def test_meta_version_selects_the_version() -> None:
    event = validate({
        "type": "POLL_INTERVAL", "metaVersion": 2, "pollId": "p", "leadingCandidate": "a",
        "margin": 1.5, "sampleSize": 800,
    })

    assert (type(event).__name__, event.schema_version) == ("PollTakenV2", 2)


def test_two_versions_of_a_type_validate_side_by_side() -> None:
    v1 = validate({"type": "POLL_INTERVAL", "poll_id": "p", "leading_candidate": "a",
                   "margin": 1.0, "moe": 3.0})
    v2 = validate({"type": "POLL_INTERVAL", "schema_version": 2, "poll_id": "p",
                   "leading_candidate": "a", "margin": 1.0, "sample_size": 800})

    assert (v1.schema_version, v2.schema_version) == (1, 2)
    assert "sample_size" not in type(v1).model_fields
    assert v2.moe is None  # type: ignore[attr-defined]  # optional since v2


def test_each_version_keeps_its_own_required_fields() -> None:
    v1_missing_moe = {"type": "POLL_INTERVAL", "poll_id": "p", "leading_candidate": "a",
                      "margin": 1.0}
    v2_without_sample = {**v1_missing_moe, "schema_version": 2, "moe": 2.0}

    assert error_kinds(v1_missing_moe) == [("moe", "missing")]
    assert error_kinds(v2_without_sample) == [("sample_size", "missing")]


def test_v1_event_with_a_v2_field_is_rejected() -> None:
    v1 = {"type": "POLL_INTERVAL", "poll_id": "p", "leading_candidate": "a", "margin": 1.0,
          "moe": 3.0, "sample_size": 800}

    assert error_kinds(v1) == [("sample_size", "extra_forbidden")]


def test_error_is_reported_against_the_field_deep_inside() -> None:
    lobby = {"type": "LOBBY_ATTEMPT", "difficulty_tier": 1, "success": True, "spend": 10.0,
             "breakdown": {"media": 4.0, "gifts": "six"}}

    assert error_kinds(lobby) == [("breakdown.gifts", "float_type")]


def test_free_form_data_at_the_depth_cap_is_accepted() -> None:
    event = validate({"type": "retry", "data": {"x": nested(MAX_DATA_DEPTH - 1)}})

    assert event.data == {"x": nested(MAX_DATA_DEPTH - 1)}  # type: ignore[attr-defined]


@pytest.mark.parametrize("depth", [MAX_DATA_DEPTH, 900, 5000])
def test_free_form_data_past_the_depth_cap_is_rejected(depth: int) -> None:
    [(field, kind)] = error_kinds({"type": "retry", "data": {"x": nested(depth)}})

    assert (field, kind) == ("data", "value_error")


@pytest.mark.parametrize(
    "value",
    [2**63, -(2**63) - 1, math.nan, math.inf, {"key\x00": 1}, [{"a": [-math.inf]}],
     {1: "not a string key"}, {"a", "set"}, datetime(2024, 5, 1, tzinfo=UTC)],
    ids=["int-too-big", "int-too-small", "nan", "inf", "nul-in-key", "inf-deep", "int-key",
         "set", "datetime"],
)
def test_free_form_data_that_mongodb_or_json_cannot_hold_is_rejected(value: Any) -> None:
    [(field, _)] = error_kinds({"type": "SESSION_CREATED", "session_id": "s",
                                "payload": {"value": value}})

    assert field == "payload"


def test_free_form_data_keeps_64_bit_integers() -> None:
    payload = {"max": 2**63 - 1, "min": -(2**63)}

    event = validate({"type": "SESSION_CREATED", "session_id": "s", "payload": payload})

    assert event.payload == payload  # type: ignore[attr-defined]


def test_integer_fields_hold_64_bits() -> None:
    assert validate(bill_vote(seq=2**63 - 1)).seq == 2**63 - 1


@pytest.mark.parametrize("field", ["seq", "lobby_payments_count"])
def test_integer_past_64_bits_is_rejected(field: str) -> None:
    [(name, kind)] = error_kinds(bill_vote(**{field: 2**63}))

    assert (name, kind) == (field, "less_than_equal")


def test_object_keys_with_nul_are_rejected_in_typed_maps() -> None:
    lobby = {"type": "LOBBY_ATTEMPT", "difficulty_tier": 1, "success": True, "spend": 1.0,
             "breakdown": {"me\x00dia": 4.0}}

    [(field, _)] = error_kinds(lobby)

    assert field.startswith("breakdown")


def test_earth_attempt_needs_a_company_id_or_name() -> None:
    attempt = {"type": "AttemptSubmitted", "session_id": "s", "sequence": 0,
               "attempt_number": 1, "success": True}

    assert validate({**attempt, "company_name": "Acme"}).company_name == "Acme"  # type: ignore[attr-defined]
    assert validate({**attempt, "company_id": "c-1"}).company_id == "c-1"
    [(_, kind)] = error_kinds(attempt)
    assert kind == "value_error"
