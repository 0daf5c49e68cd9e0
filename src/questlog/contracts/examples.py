"""Valid example events, built from an event's JSON Schema: deterministic, short values.

Every value is derived from the field's name, type and constraints, so a new event type
gets its fixtures without anyone writing them. occurred_at is left out: fixtures with a
fixed client time would fall outside the accepted window as they age.
"""

from __future__ import annotations

from typing import Any

AGELESS = frozenset({"occurred_at"})
# Any fixed instant will do for a date-time field the server does not check against its clock.
SOME_TIME = "2024-01-01T00:00:00Z"


def required_names(schema: dict[str, Any]) -> list[str]:
    """The required fields, plus the first alternative's when the schema needs one of several."""
    required = set(schema.get("required", []))
    for alternative in schema.get("anyOf", [])[:1]:
        required.update(alternative.get("required", []))
    return [name for name in schema["properties"] if name in required]


def example_event(schema: dict[str, Any], *, full: bool) -> dict[str, Any]:
    """The required fields only, or (full) every field but occurred_at."""
    properties = schema["properties"]
    names = [n for n in properties if n not in AGELESS] if full else required_names(schema)
    return {name: example_value(properties[name], name) for name in names}


def example_value(schema: dict[str, Any], hint: str) -> Any:
    if schema.get("$ref", "").endswith("/JsonObject"):  # free-form: any JSON object
        return {"note": hint}
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:  # an optional field: T | None
        return example_value(next(s for s in schema["anyOf"] if s.get("type") != "null"), hint)
    kind = schema.get("type")
    if kind == "string":
        return SOME_TIME if schema.get("format") == "date-time" else _string(schema, hint)
    if kind == "integer":
        return int(_bounded(schema, 1))
    if kind == "number":
        return _bounded(schema, 1.5)
    if kind == "boolean":
        return True
    if kind == "array":
        count = max(schema.get("minItems", 1), 1)
        return [example_value(schema["items"], f"{hint}-{i}") for i in range(1, count + 1)]
    if kind == "object":  # a mapping: its values' schema (keyed by a pattern for typed keys)
        values = [*schema.get("patternProperties", {}).values(), schema.get("additionalProperties")]
        if values[0] in (True, None):  # free-form: any JSON object
            return {"note": hint}
        return {f"{hint}-1": example_value(values[0], "value")}
    raise ValueError(f"no example for {hint}: {schema}; teach questlog.contracts.examples")


def _string(schema: dict[str, Any], hint: str) -> str:
    value = hint[: schema.get("maxLength", len(hint))]
    return value.ljust(schema.get("minLength", 0), "x")


def _bounded(schema: dict[str, Any], preferred: float) -> float:
    minimum: float = schema.get("minimum", preferred)
    value = max(preferred, minimum)
    maximum: float = schema.get("maximum", value)
    return min(value, maximum)
