"""Fixture events per catalog: every type and version in a valid form, and invalid forms
made by deterministic mutation of the valid ones, each with the code the server answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from questlog.contracts.examples import example_event
from questlog.contracts.schemas import event_schema, type_and_version
from questlog.events import EventBase
from questlog.events.envelope import ENVELOPE_FIELDS
from questlog.events.registry import versions_of
from questlog.ingest.codes import Code
from questlog.settings import Settings

Fixture = dict[str, Any]
# A mutation turns a valid event (with its schema) into an invalid fixture, or does not apply.
Mutation = Callable[[dict[str, Any], dict[str, Any]], Fixture | None]

DISPATCH = ("type", "schema_version")
MAX_EVENT_BYTES: int = Settings.model_fields["max_event_bytes"].default
# A value of another JSON type, for each JSON type.
WRONG_VALUES: dict[str, Any] = {
    "string": 5, "integer": "1", "number": "1.5", "boolean": "true", "array": "a", "object": [],
}


def catalog_fixtures(models: tuple[type[EventBase], ...]) -> dict[str, list[Any]]:
    """{"valid": [events...], "invalid": [{"event", "code", "why"}...]} for one catalog."""
    schemas = [event_schema(m) for m in models]
    minimal = [example_event(s, full=False) for s in schemas]
    valid = []
    for model, schema, event in zip(models, schemas, minimal, strict=True):
        event_type, version = type_and_version(model)
        # A unique id each, so that posting every fixture stores every one.
        full = {**example_event(schema, full=True), "event_id": f"fixture-{event_type}-v{version}"}
        valid += [event, full]
    return {"valid": valid, "invalid": invalid_fixtures(list(zip(minimal, schemas, strict=True)))}


def invalid_fixtures(bases: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[Fixture]:
    """Apply each mutation to the first event it fits, starting one further along the
    catalog for each mutation, so the invalid forms spread over the catalog's types."""
    fixtures = []
    for i, mutate in enumerate(MUTATIONS):
        for j in range(len(bases)):
            fixture = mutate(*bases[(i + j) % len(bases)])
            if fixture is not None:
                fixtures.append(fixture)
                break
    return fixtures


def _fixture(base: dict[str, Any], event: object, code: Code, why: str) -> Fixture:
    version = base.get("schema_version", 1)
    return {"event": event, "code": code.value, "why": f"{base['type']} v{version}: {why}"}


def _invalid(base: dict[str, Any], changes: dict[str, Any], why: str) -> Fixture:
    return _fixture(base, {**base, **changes}, Code.INVALID_EVENT, why)


def _without(base: dict[str, Any], names: list[str], why: str) -> Fixture:
    event = {k: v for k, v in base.items() if k not in names}
    return _fixture(base, event, Code.INVALID_EVENT, why)


def _fields(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Properties, the type's own before the envelope's, an optional field's null unwrapped."""
    properties = schema["properties"]
    ordered = sorted((n for n in properties if n not in DISPATCH), key=ENVELOPE_FIELDS.__contains__)
    return [(name, _not_null(properties[name])) for name in ordered]


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("$ref", "").endswith("/JsonObject"):  # free-form, but an object
        return {"type": "object", **schema}
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    return options[0] if len(options) == 1 else schema


Found = tuple[str, dict[str, Any]] | None


def _first(schema: dict[str, Any], fits: Callable[[dict[str, Any]], bool]) -> Found:
    return next(((n, s) for n, s in _fields(schema) if fits(s)), None)


def _required(schema: dict[str, Any]) -> str | None:
    return next((n for n in schema["required"] if n not in DISPATCH), None)


def missing_required(event: dict[str, Any], schema: dict[str, Any]) -> Fixture | None:
    name = _required(schema)
    return None if name is None else _without(event, [name], f"required field {name} is missing")


def null_required(event: dict[str, Any], schema: dict[str, Any]) -> Fixture | None:
    name = _required(schema)
    return None if name is None else _invalid(event, {name: None}, f"required field {name} is null")


def missing_type(event: dict[str, Any], _: dict[str, Any]) -> Fixture:
    return _without(event, ["type"], "type is missing")


def missing_alternatives(event: dict[str, Any], schema: dict[str, Any]) -> Fixture | None:
    names = [r for alt in schema.get("anyOf", []) for r in alt.get("required", [])]
    if not names:
        return None
    return _without(event, names, f"none of {', '.join(names)} is given")


def wrong_type(json_type: str) -> Mutation:
    def mutate(event: dict[str, Any], schema: dict[str, Any]) -> Fixture | None:
        found = _first(schema, lambda s: s.get("type") == json_type)
        if found is None:
            return None
        name, wrong = found[0], WRONG_VALUES[json_type]
        return _invalid(event, {name: wrong}, f"{name} must be a JSON {json_type}, not {wrong!r}")

    return mutate


def unknown_field(event: dict[str, Any], _: dict[str, Any]) -> Fixture:
    why = "unknown field unexpected_field (no field outside the schema is accepted)"
    return _invalid(event, {"unexpected_field": 1}, why)


def bad_enum(event: dict[str, Any], schema: dict[str, Any]) -> Fixture | None:
    found = _first(schema, lambda s: "enum" in s)
    if found is None:
        return None
    name, choices = found[0], found[1]["enum"]
    return _invalid(event, {name: f"not-{choices[0]}"}, f"{name} is not one of {choices}")


def below_minimum(event: dict[str, Any], schema: dict[str, Any]) -> Fixture | None:
    found = _first(schema, lambda s: "minimum" in s)
    if found is None:
        return None
    name, low = found[0], found[1]["minimum"]
    return _invalid(event, {name: low - 1}, f"{name} is below {low}")


def too_long(event: dict[str, Any], schema: dict[str, Any]) -> Fixture | None:
    found = _first(schema, lambda s: "maxLength" in s)
    if found is None:
        return None
    name, limit = found[0], found[1]["maxLength"]
    return _invalid(event, {name: "x" * (limit + 1)}, f"{name} is over {limit} characters")


def empty(event: dict[str, Any], schema: dict[str, Any]) -> Fixture | None:
    found = _first(schema, lambda s: s.get("minLength", 0) > 0 or s.get("minItems", 0) > 0)
    if found is None:
        return None
    name, blank = found[0], ("" if found[1]["type"] == "string" else [])
    return _invalid(event, {name: blank}, f"{name} is empty")


def naive_time(event: dict[str, Any], _: dict[str, Any]) -> Fixture:
    return _invalid(event, {"occurred_at": "2024-01-01T12:00:00"}, "occurred_at has no time zone")


def unknown_type(event: dict[str, Any], _: dict[str, Any]) -> Fixture:
    changed = {**event, "type": f"UNKNOWN_{event['type']}"}
    return _fixture(event, changed, Code.UNKNOWN_EVENT_TYPE, "no event type has that name")


def unsupported_version(event: dict[str, Any], _: dict[str, Any]) -> Fixture:
    version = max(versions_of(event["type"])) + 1
    why = f"schema_version {version} is newer than any the server knows"
    return _fixture(event, {**event, "schema_version": version}, Code.UNSUPPORTED_VERSION, why)


def too_large(event: dict[str, Any], _: dict[str, Any]) -> Fixture:
    changed = {**event, "source": "x" * MAX_EVENT_BYTES}
    why = f"over the default size limit of {MAX_EVENT_BYTES} bytes (checked before the fields)"
    return _fixture(event, changed, Code.EVENT_TOO_LARGE, why)


# Fixed instants that stay out of the accepted window however old the fixtures get.
def in_future(event: dict[str, Any], _: dict[str, Any]) -> Fixture:
    changed = {**event, "occurred_at": "9999-12-31T23:59:59Z"}
    why = "occurred_at is far ahead of the server's clock"
    return _fixture(event, changed, Code.TIMESTAMP_IN_FUTURE, why)


def too_old(event: dict[str, Any], _: dict[str, Any]) -> Fixture:
    changed = {**event, "occurred_at": "2000-01-01T00:00:00Z"}
    why = "occurred_at is older than the accepted window"
    return _fixture(event, changed, Code.TIMESTAMP_TOO_OLD, why)


MUTATIONS: tuple[Mutation, ...] = (
    missing_required,
    null_required,
    missing_type,
    missing_alternatives,
    *(wrong_type(t) for t in WRONG_VALUES),
    unknown_field,
    bad_enum,
    below_minimum,
    too_long,
    empty,
    naive_time,
    unknown_type,
    unsupported_version,
    too_large,
    in_future,
    too_old,
)
