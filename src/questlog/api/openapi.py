"""The OpenAPI document, exact: what FastAPI derives from the routes, plus what it cannot.

- The event bodies: `Event` is a discriminated oneOf of the per-type schemas, the same
  as contracts/schemas/ (one component per type and version).
- The bearer scheme, and on each route the security its dependencies require (with the
  scope in the description), so that Swagger UI's Authorize button works.
- Every route may answer 414, 431 and 503 (api.limits, a store outage).

The allowed methods are the routes' own; api.methods answers OPTIONS and 405 with them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from questlog.api.deps import route_scopes
from questlog.contracts.schemas import event_schema, type_and_version
from questlog.events import EVENT_MODELS
from questlog.settings import Settings

BEARER = "bearer"
COMPONENTS = "#/components/schemas/"
EVENT_REF = "#/components/schemas/Event"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"
ANY_ROUTE_ERRORS = {
    "414": "Query string over the limit (max_query_bytes)",
    "431": "Request headers over the limit (max_header_bytes)",
    "503": "MongoDB is not answering; retry after Retry-After seconds",
}


def event_components() -> dict[str, Any]:
    """`Event.TYPE.vN` per model, `Event.TYPE` where a type has several versions, and
    `Event`: a oneOf of them all, discriminated by `type`."""
    components: dict[str, Any] = {}
    versions: dict[str, list[str]] = {}
    for model in EVENT_MODELS:
        event_type, version = type_and_version(model)
        schema = {k: v for k, v in event_schema(model).items() if k not in ("$schema", "$id")}
        components.update(_as_components(schema.pop("$defs", {})))
        schema = _as_components(schema)
        name = f"Event.{event_type}.v{version}"
        components[name] = schema
        versions.setdefault(event_type, []).append(name)
    mapping = {}
    for event_type, names in sorted(versions.items()):
        if len(names) == 1:
            mapping[event_type] = f"#/components/schemas/{names[0]}"
        else:
            components[f"Event.{event_type}"] = {
                "oneOf": [{"$ref": f"#/components/schemas/{n}"} for n in names],
                "description": f"{event_type}, by schema_version",
            }
            mapping[event_type] = f"#/components/schemas/Event.{event_type}"
    components["Event"] = {
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": "type", "mapping": mapping},
        "description": (
            "One event: the schema of its type and schema_version (contracts/schemas/). "
            "Beyond the schema the server checks its size (max_event_bytes, 413 "
            "event_too_large) and that occurred_at is within max_past_days before and "
            "max_future_seconds after the server's clock (422 timestamp_too_old / "
            "timestamp_in_future)."
        ),
    }
    return components


def _as_components(node: Any) -> Any:
    """`node` with its refs to #/$defs/X pointed at #/components/schemas/X."""
    if isinstance(node, dict):
        return {
            k: v.replace("#/$defs/", COMPONENTS) if k == "$ref" else _as_components(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_as_components(v) for v in node]
    return node


def _secure(document: dict[str, Any], scopes: dict[tuple[str, str], frozenset[str]]) -> None:
    document.setdefault("components", {})["securitySchemes"] = {BEARER: {
        "type": "http", "scheme": "bearer",
        "description": "An API key (scopes ingest, read, admin) or a player token.",
    }}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            needed = scopes.get((method.upper(), path), frozenset())
            if needed:
                operation["security"] = [{BEARER: []}]
                note = f"Needs: {' or '.join(sorted(needed))}."
                described = operation.get("description", "")
                operation["description"] = f"{described}\n\n{note}".strip()
            for status, description in ANY_ROUTE_ERRORS.items():
                operation["responses"].setdefault(status, {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": ENVELOPE_REF}}},
                })


def _with_limits(document: dict[str, Any], settings: Settings) -> None:
    """The limits of this process's settings where the routes declared the defaults."""
    batch = document["paths"]["/api/v1/events/batch"]["post"]["requestBody"]
    events = batch["content"]["application/json"]["schema"]["properties"]["events"]
    events["maxItems"] = settings.max_batch_events


def openapi_document(app: FastAPI, settings: Settings) -> dict[str, Any]:
    document = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes,
    )
    document["components"]["schemas"].update(event_components())
    _with_limits(document, settings)
    _secure(document, route_scopes(app))
    return document


def install_openapi(app: FastAPI, settings: Settings) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_document(app, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
