"""One JSON Schema (draft 2020-12) per event type and version, from its pydantic model."""

from __future__ import annotations

from typing import Any

from questlog.events import EventBase

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
    return {
        "$schema": DRAFT,
        "$id": f"urn:questlog:event:{event_type}:v{version}",
        **generated,
        "title": f"{event_type} v{version} ({model.catalog})",
    }
