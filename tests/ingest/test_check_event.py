"""check_event: one raw event in, a document to store or a precise rejection out (pure)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import bson
import pytest
from conftest import bill_vote, iso
from hypothesis import given, settings
from hypothesis import strategies as st

from questlog.events import EVENT_TYPES
from questlog.ingest.codes import Code
from questlog.ingest.validation import Context, Limits, Rejection, check_event

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
LIMITS = Limits(max_event_bytes=4096, max_future=timedelta(minutes=5), max_past=timedelta(days=30))


def context(**overrides: Any) -> Context:
    fields: dict[str, Any] = {"received_at": NOW, "ingest_id": "ingest-1", "company_salt": "salt"}
    return Context(**(fields | overrides))


def check(item: object, *, sent_at: datetime | None = None) -> dict[str, Any] | Rejection:
    return check_event(item, index=0, limits=LIMITS, context=context(sent_at=sent_at))


def accepted(item: object, **kwargs: Any) -> dict[str, Any]:
    result = check(item, **kwargs)
    assert isinstance(result, dict), result
    return result


def rejected(item: object, **kwargs: Any) -> Rejection:
    result = check(item, **kwargs)
    assert isinstance(result, Rejection), result
    return result


def test_valid_event_becomes_a_document_keyed_by_its_event_id() -> None:
    occurred = NOW - timedelta(minutes=1)

    document = accepted(bill_vote(event_id="e-1", occurred_at=iso(occurred)))

    assert document["_id"] == "e-1"
    assert "event_id" not in document
    assert document["occurred_at"] == occurred
    assert document["event_time"] == occurred
    assert document["received_at"] == NOW
    assert document["ingest_id"] == "ingest-1"
    assert (document["type"], document["bill_id"], document["schema_version"]) == (
        "BILL_VOTE", "bill-7", 1,
    )


def test_event_without_id_gets_a_fresh_one() -> None:
    first, second = accepted(bill_vote()), accepted(bill_vote())

    assert first["_id"] != second["_id"]
    assert len(first["_id"]) >= 32


def test_event_without_occurred_at_is_placed_at_received_at() -> None:
    document = accepted(bill_vote())

    assert document["occurred_at"] is None
    assert document["event_time"] == NOW


def test_camel_case_event_is_stored_under_snake_case_names() -> None:
    document = accepted({
        "type": "CAMPAIGN_PHASE_CHANGE", "userId": "u-1", "companyId": "c-1",
        "createdAt": iso(NOW), "metaVersion": 1, "campaignId": "k", "phaseFrom": "a",
        "phaseTo": "b",
    })

    assert {k: document[k] for k in ("user_id", "company_id", "occurred_at", "phase_from")} == {
        "user_id": "u-1", "company_id": "c-1", "occurred_at": NOW, "phase_from": "a",
    }
    assert "userId" not in document


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ([bill_vote()], Code.INVALID_EVENT),
        ("BILL_VOTE", Code.INVALID_EVENT),
        ({"bill_id": "b"}, Code.INVALID_EVENT),
        ({"type": 7}, Code.INVALID_EVENT),
        (bill_vote(stance="maybe"), Code.INVALID_EVENT),
        ({"type": "BILL_VOTED"}, Code.UNKNOWN_EVENT_TYPE),
        (bill_vote(schema_version=2), Code.UNSUPPORTED_VERSION),
        (bill_vote(metaVersion=3), Code.UNSUPPORTED_VERSION),
        (bill_vote(occurred_at=iso(NOW + timedelta(minutes=6))), Code.TIMESTAMP_IN_FUTURE),
        (bill_vote(occurred_at=iso(NOW - timedelta(days=31))), Code.TIMESTAMP_TOO_OLD),
        (bill_vote(source="x" * 200, game_version="y" * 200, bill_id="b" * 128,
                   user_id="u" * 128, company_id="c" * 128, session_id="s" * 128,
                   event_id="e" * 128) | {"data": "z" * 4000}, Code.EVENT_TOO_LARGE),
    ],
    ids=["list", "string", "no-type", "type-not-string", "bad-field", "unknown-type",
         "unknown-version", "unknown-meta-version", "future", "too-old", "too-large"],
)
def test_bad_event_is_rejected_with_its_code(item: object, code: Code) -> None:
    assert rejected(item).code == code


def test_unsupported_version_names_the_versions_there_are() -> None:
    rejection = rejected({"type": "POLL_INTERVAL", "schema_version": 9})

    assert "[1, 2]" in rejection.message


def test_invalid_event_lists_each_bad_field() -> None:
    rejection = rejected(bill_vote(stance="maybe", seat_weight="heavy"))

    assert sorted(d["field"] for d in rejection.details) == ["seat_weight", "stance"]
    assert "stance" in rejection.message
    assert "BILL_VOTE@1" not in rejection.message


def test_an_unknown_field_is_named_as_the_client_spelled_it() -> None:
    rejection = rejected(bill_vote(**{"team@home": 1}))

    assert [d["field"] for d in rejection.details] == ["team@home"]
    assert "team@home" in rejection.message


def test_size_limit_counts_utf8_bytes() -> None:
    base = len(json.dumps(bill_vote(data=""), separators=(",", ":")).encode())
    room = LIMITS.max_event_bytes - base

    assert rejected(bill_vote(data="é" * (room // 2 + 1))).code == Code.EVENT_TOO_LARGE
    assert rejected(bill_vote(data="é" * (room // 2))).code == Code.INVALID_EVENT  # size passed


def test_an_event_of_exactly_the_size_limit_is_stored_and_one_byte_more_is_refused() -> None:
    def retry(note: str) -> dict[str, Any]:
        return {"type": "retry", "event_id": "e-1", "data": {"note": note}}

    base = len(json.dumps(retry(""), separators=(",", ":")).encode())
    at_limit = retry("x" * (LIMITS.max_event_bytes - base))

    assert accepted(at_limit)["data"] == at_limit["data"]
    over = rejected(retry("x" * (LIMITS.max_event_bytes - base + 1)))
    assert (over.code, over.message) == (
        Code.EVENT_TOO_LARGE, f"event is {LIMITS.max_event_bytes + 1} bytes; the limit is 4096"
    )


def test_a_time_with_an_offset_is_stored_in_utc_to_the_millisecond() -> None:
    document = accepted(bill_vote(occurred_at="2024-05-01T13:59:30.123999+02:00"))

    assert document["occurred_at"] == datetime(2024, 5, 1, 11, 59, 30, 123000, tzinfo=UTC)
    assert document["occurred_at"].tzinfo is UTC
    assert document["event_time"] is document["occurred_at"]


def test_timestamps_at_the_limits_are_accepted() -> None:
    accepted(bill_vote(occurred_at=iso(NOW + LIMITS.max_future)))
    accepted(bill_vote(occurred_at=iso(NOW - LIMITS.max_past)))


def test_clock_skew_is_corrected_and_the_client_times_kept() -> None:
    client_clock_ahead = timedelta(hours=2)
    sent_at = NOW + client_clock_ahead
    client_occurred = sent_at - timedelta(seconds=30)

    document = accepted(bill_vote(occurred_at=iso(client_occurred)), sent_at=sent_at)

    assert document["occurred_at"] == NOW - timedelta(seconds=30)
    assert document["event_time"] == NOW - timedelta(seconds=30)
    assert document["client_occurred_at"] == client_occurred
    assert document["sent_at"] == sent_at


def test_future_check_applies_to_the_corrected_time() -> None:
    behind = NOW - timedelta(hours=2)  # client clock two hours slow
    # On the client's clock the event is in the past, but it happened after the send.
    after_send = bill_vote(occurred_at=iso(behind + timedelta(minutes=10)))
    ahead = bill_vote(occurred_at=iso(NOW + timedelta(hours=2)))

    assert rejected(after_send, sent_at=behind).code == Code.TIMESTAMP_IN_FUTURE
    assert accepted(ahead, sent_at=NOW + timedelta(hours=2))["occurred_at"] == NOW
    assert rejected(ahead).code == Code.TIMESTAMP_IN_FUTURE


def test_clock_so_far_off_that_the_correction_leaves_the_calendar_is_rejected() -> None:
    event = bill_vote(occurred_at=iso(NOW))
    year_9999 = datetime(9999, 12, 31, tzinfo=UTC)
    year_1 = datetime(1, 1, 1, tzinfo=UTC)

    assert rejected(event, sent_at=year_9999).code == Code.TIMESTAMP_TOO_OLD
    assert rejected(bill_vote(occurred_at=iso(year_9999)), sent_at=year_1).code == (
        Code.TIMESTAMP_IN_FUTURE
    )


def test_without_sent_at_no_client_times_are_added() -> None:
    document = accepted(bill_vote(occurred_at=iso(NOW)))

    assert "client_occurred_at" not in document
    assert "sent_at" not in document


def test_company_name_becomes_a_salted_hash_and_is_not_stored() -> None:
    attempt = {"type": "AttemptSubmitted", "session_id": "s", "sequence": 0,
               "attempt_number": 1, "success": True}

    one = accepted({**attempt, "company_name": "Acme, Inc."})
    same = accepted({**attempt, "company_name": "  acme   INC "})

    expected = "c_" + hashlib.sha256(b"acme incsalt").hexdigest()[:12]
    assert one["company_id"] == same["company_id"] == expected
    assert "company_name" not in one


def test_given_company_id_wins_over_the_name() -> None:
    document = accepted({"type": "AttemptSubmitted", "session_id": "s", "sequence": 0,
                         "attempt_number": 1, "success": False, "company_id": "c-9",
                         "company_name": "Acme"})

    assert document["company_id"] == "c-9"


def test_rejection_keeps_the_raw_event_and_its_ids() -> None:
    event = bill_vote(event_id="e-7", stance="maybe")

    rejection = check_event(event, index=4, limits=LIMITS, context=context())

    assert isinstance(rejection, Rejection)
    assert (rejection.index, rejection.event_id, rejection.event_type) == (4, "e-7", "BILL_VOTE")
    assert json.loads(rejection.raw) == event


def storable(rejection: Rejection) -> None:
    """The quarantine can store the rejection, and an answer can carry its ids."""
    kept = {"raw": rejection.raw, "message": rejection.message,
            "event_id": rejection.event_id, "event_type": rejection.event_type}
    bson.encode(kept)
    json.dumps(kept, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "item",
    [bill_vote(bill_id="\ud800"), {"type": "retry", "data": {"\udc00": 1}}, "\ud83d",
     {"type": "BILL\ud800"}, bill_vote(event_id="e-\udc00")],
    ids=["value", "key", "bare-string", "type", "event-id"],
)
def test_lone_surrogate_is_rejected_and_the_rejection_is_storable(item: object) -> None:
    rejection = rejected(item)

    assert rejection.code == Code.INVALID_EVENT
    storable(rejection)


# Text includes lone surrogates: JSON can escape them ("\ud800"), UTF-8 cannot hold them.
TEXT = st.text(st.characters(exclude_categories=()), max_size=20)
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)
ENVELOPE_FIELDS = st.sampled_from(
    ["event_id", "user_id", "seq", "occurred_at", "schema_version", "data", "payload",
     "session_id", "bill_id", "stance", "breakdown", "sample_size", "company_name", "extra"]
)


@settings(max_examples=200, deadline=None)
@given(
    event_type=st.sampled_from(sorted(EVENT_TYPES)) | TEXT,
    fields=st.dictionaries(ENVELOPE_FIELDS, JSON_VALUES, max_size=6),
)
def test_any_json_gets_a_rejection_or_a_storable_document(
    event_type: str, fields: dict[str, Any]
) -> None:
    result = check({"type": event_type, **fields})

    if isinstance(result, Rejection):
        storable(result)
    else:
        bson.encode(result)  # MongoDB can hold it ...
        json.dumps(result, default=str, allow_nan=False)  # ... and a read can answer it
