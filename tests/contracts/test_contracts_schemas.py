"""Every fixture against the JSON Schemas, as a client in another language would check it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from contracts_on_disk import CATALOG_NAMES, catalog_fixtures, schema_file_of, schema_files
from jsonschema import Draft202012Validator, FormatChecker

from questlog.ingest.codes import Code
from questlog.settings import Settings

# The codes a schema can tell; the clock's codes depend on when the server receives the event.
SHAPE_CODES = {Code.INVALID_EVENT, Code.UNKNOWN_EVENT_TYPE, Code.UNSUPPORTED_VERSION}
CLOCK_CODES = {Code.TIMESTAMP_IN_FUTURE, Code.TIMESTAMP_TOO_OLD}

# jsonschema checks date-time only with an optional package; RFC 3339 needs an offset.
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _aware_date_time(value: object) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


SCHEMAS = schema_files()
VALIDATORS = {
    name: Draft202012Validator(schema, format_checker=FORMATS) for name, schema in SCHEMAS.items()
}
FIXTURES = catalog_fixtures()


def invalid(catalog: str, codes: set[Code]) -> list[dict[str, Any]]:
    return [f for f in FIXTURES[catalog]["invalid"] if f["code"] in codes]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_schema_is_a_draft_2020_12_schema(name: str) -> None:
    Draft202012Validator.check_schema(SCHEMAS[name])


@pytest.mark.parametrize("catalog", CATALOG_NAMES)
def test_valid_fixtures_satisfy_their_schema(catalog: str) -> None:
    for event in FIXTURES[catalog]["valid"]:
        errors = [e.message for e in VALIDATORS[schema_file_of(event)].iter_errors(event)]
        assert not errors, (event, errors)


@pytest.mark.parametrize("catalog", CATALOG_NAMES)
def test_fixtures_invalid_by_shape_satisfy_no_schema(catalog: str) -> None:
    fixtures = invalid(catalog, SHAPE_CODES)

    assert fixtures
    for fixture in fixtures:
        accepting = [n for n, v in VALIDATORS.items() if v.is_valid(fixture["event"])]
        assert not accepting, (fixture["why"], accepting)


@pytest.mark.parametrize("catalog", CATALOG_NAMES)
def test_fixtures_rejected_by_the_clock_have_a_valid_shape(catalog: str) -> None:
    fixtures = invalid(catalog, CLOCK_CODES)

    assert {f["code"] for f in fixtures} == CLOCK_CODES
    for fixture in fixtures:
        event = fixture["event"]
        assert VALIDATORS[schema_file_of(event)].is_valid(event), fixture["why"]


@pytest.mark.parametrize("catalog", CATALOG_NAMES)
def test_too_large_fixtures_exceed_the_default_size_limit(catalog: str) -> None:
    limit = Settings.model_fields["max_event_bytes"].default
    fixtures = invalid(catalog, {Code.EVENT_TOO_LARGE})

    assert fixtures
    for fixture in fixtures:
        assert len(json.dumps(fixture["event"], separators=(",", ":")).encode()) > limit
