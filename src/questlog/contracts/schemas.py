"""One JSON Schema (draft 2020-12) per event type and version, from its pydantic model."""

from __future__ import annotations

from typing import Any

from questlog.events import EventBase
from questlog.events.envelope import (
    INT64_MAX,
    INT64_MIN,
    JSON_OBJECT_MARK,
    MAX_DATA_DEPTH,
)

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def type_and_version(model: type[EventBase]) -> tuple[str, int]:
    event_type, _, version = model.tag().partition("@")
    return event_type, int(version)


def schema_name(model: type[EventBase]) -> str:
    event_type, version = type_and_version(model)
    return f"{event_type}.v{version}.json"


def event_schema(model: type[EventBase]) -> dict[str, Any]:
    """The model's validation schema, with the fields the server dispatches on required.

    The models give `type` and `schema_version` defaults, but the server picks the model
    by them: `type` must be sent, and `schema_version` too unless it is 1.
    """
    event_type, version = type_and_version(model)
    generated = model.model_json_schema(mode="validation")
    dispatch = ["type"] if version == 1 else ["type", "schema_version"]
    for name in dispatch:
        generated["properties"][name].pop("default", None)
    generated["required"] = dispatch + generated.get("required", [])
    if _mark_json_objects(generated):
        generated.setdefault("$defs", {}).update(json_object_defs())
    return {
        "$schema": DRAFT,
        "$id": f"urn:questlog:event:{event_type}:v{version}",
        **generated,
        "title": f"{event_type} v{version} ({model.catalog})",
    }


def _mark_json_objects(node: Any) -> bool:
    """Replace each free-form object's placeholder with a $ref to JsonObject; any found?"""
    found = False
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if isinstance(value, dict) and value.get(JSON_OBJECT_MARK):
                node[key] = {"$ref": "#/$defs/JsonObject"}
                found = True
            else:
                found = _mark_json_objects(value) or found
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, dict) and value.get(JSON_OBJECT_MARK):
                node[i] = {"$ref": "#/$defs/JsonObject"}
                found = True
            else:
                found = _mark_json_objects(value) or found
    return found


def json_object_defs() -> dict[str, Any]:
    """What a free-form object holds (events.envelope._storable_json), as JSON Schema:
    at most MAX_DATA_DEPTH containers deep, integers in 64 bits, keys without NUL."""
    keys = {"pattern": "^[^\\x00]*$"}
    defs: dict[str, Any] = {"JsonScalar": {"anyOf": [
        {"type": "string"}, {"type": "boolean"}, {"type": "null"},
        {"type": "integer", "minimum": INT64_MIN, "maximum": INT64_MAX},
        {"type": "number", "not": {"type": "integer"}},
    ]}}

    def value_at(depth: int) -> dict[str, Any]:
        name = f"JsonValue{depth}" if depth <= MAX_DATA_DEPTH else "JsonScalar"
        return {"$ref": f"#/$defs/{name}"}

    for depth in range(2, MAX_DATA_DEPTH + 1):
        defs[f"JsonValue{depth}"] = {"anyOf": [
            {"$ref": "#/$defs/JsonScalar"},
            {"type": "array", "items": value_at(depth + 1)},
            {"type": "object", "propertyNames": keys, "additionalProperties": value_at(depth + 1)},
        ]}
    defs["JsonObject"] = {
        "type": "object", "propertyNames": keys, "additionalProperties": value_at(2),
        "description": f"Free-form JSON, at most {MAX_DATA_DEPTH} levels of objects and arrays.",
    }
    return defs
