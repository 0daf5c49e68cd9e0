"""fields_validator: an event validated into the dict of its fields, exactly as its model
validates it: the same fields and values when it is valid, the same errors when not."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from questlog.contracts.fixtures import catalog_fixtures
from questlog.events import CATALOGS, MODELS_BY_TAG, EventBase
from questlog.events.fields import fields_validator
from questlog.events.registry import tag_of

FIXTURES = {catalog: catalog_fixtures(models) for catalog, models in CATALOGS.items()}
VALID = [event for fixtures in FIXTURES.values() for event in fixtures["valid"]]


Judged = dict[str, Any] | tuple[str, list[Any]]  # the fields, or the error's title and errors


def by_model(model: type[EventBase], event: object) -> Judged:
    try:
        return dict(model.model_validate(event).__dict__)
    except ValidationError as exc:
        return exc.title, exc.errors(include_url=False, include_context=False)


def by_fields(model: type[EventBase], event: object) -> Judged:
    try:
        return fields_validator(model)(event)
    except ValidationError as exc:
        return exc.title, exc.errors(include_url=False, include_context=False)


def model_of(event: dict[str, Any]) -> type[EventBase] | None:
    return MODELS_BY_TAG.get(tag_of(event) or "")


@pytest.mark.parametrize("catalog", sorted(CATALOGS))
def test_every_fixture_gets_the_models_fields_or_errors(catalog: str) -> None:
    fixtures = FIXTURES[catalog]
    events = fixtures["valid"] + [f["event"] for f in fixtures["invalid"]]
    differ = [
        event for event in events
        if (model := model_of(event)) and by_fields(model, event) != by_model(model, event)
    ]

    assert not differ
    assert all(isinstance(by_fields(model_of(e), e), dict) for e in fixtures["valid"])  # type: ignore[arg-type]


def test_a_string_where_a_number_is_due_is_refused_not_coerced() -> None:
    lobby = {"type": "LOBBY_ATTEMPT", "difficulty_tier": "1", "success": "true", "spend": "1.5",
             "breakdown": {}}

    with pytest.raises(ValidationError) as caught:
        fields_validator(MODELS_BY_TAG["LOBBY_ATTEMPT@1"])(lobby)

    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [
        (("difficulty_tier",), "int_type"), (("success",), "bool_type"), (("spend",), "float_type"),
    ]


TEXT = st.text(st.characters(exclude_categories=()), max_size=12)
TIMES = st.sampled_from([
    "2024-05-01T12:00:00Z", "2024-05-01T14:00:00.123456+02:00", "2024-05-01T12:00:00",
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-13-01T00:00:00Z", "",
])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT | TIMES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from(VALID),
    changes=st.dictionaries(
        st.sampled_from(["occurred_at", "createdAt", "occurredAt", "seq", "user_id", "userId",
                         "data", "payload", "amount", "success", "breakdown", "participants",
                         "company_name", "stance", "surprise"]) | TEXT,
        JSON_VALUES, max_size=4,
    ),
)
def test_any_change_to_a_valid_event_is_judged_as_its_model_does(
    base: dict[str, Any], changes: dict[str, Any]
) -> None:
    event = base | changes
    model = model_of(base)
    assert model is not None

    assert by_fields(model, event) == by_model(model, event)
