"""The columns of an exported file, typed from the event models: pure functions.

A file holds one catalog's events of one day. Its columns are the envelope's (shared by
every catalog) followed by the fields of the catalog's types, in model order, typed
from the pydantic annotations: integers int64, numbers float64, booleans, strings (and
enums and literals of strings), timestamps in UTC milliseconds. Anything nested (lists,
objects), or a field two types of the catalog type differently, is JSON text. Fields a
stored event has beyond its model (added by the server) land in `extra`, JSON text, so
nothing stored is left out.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

import pyarrow as pa

from questlog.events.envelope import EventBase
from questlog.events.registry import CATALOGS
from questlog.store.documents import public_event

TIMESTAMP = pa.timestamp("ms", tz="UTC")
JSON_TEXT = pa.string()  # a column whose values are JSON documents
ENVELOPE: tuple[tuple[str, pa.DataType], ...] = (
    ("event_id", pa.string()), ("type", pa.string()), ("schema_version", pa.int64()),
    ("user_id", pa.string()), ("company_id", pa.string()), ("session_id", pa.string()),
    ("occurred_at", TIMESTAMP), ("client_occurred_at", TIMESTAMP), ("sent_at", TIMESTAMP),
    ("received_at", TIMESTAMP), ("event_time", TIMESTAMP), ("seq", pa.int64()),
    ("source", pa.string()), ("game_version", pa.string()),
)
EXTRA = "extra"
CATALOG_OF_TYPE: dict[str, str] = {
    model.tag().partition("@")[0]: catalog
    for catalog, models in CATALOGS.items() for model in models
}


def catalog_of(event_type: str) -> str:
    return CATALOG_OF_TYPE.get(event_type, "unknown")


def arrow_type(annotation: Any) -> pa.DataType | None:
    """The Arrow type of a field's annotation; None when it is exported as JSON text."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return arrow_type(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return arrow_type(members[0]) if len(members) == 1 else None
    if origin is Literal:
        values = typing.get_args(annotation)
        return pa.string() if all(isinstance(v, str) for v in values) else None
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return pa.bool_()
        if issubclass(annotation, enum.Enum) or issubclass(annotation, str):
            return pa.string()
        if issubclass(annotation, int):
            return pa.int64()
        if issubclass(annotation, float):
            return pa.float64()
        if issubclass(annotation, datetime):
            return TIMESTAMP
    return None


@cache
def catalog_columns(catalog: str, only_types: frozenset[str] | None = None) -> pa.Schema:
    """Envelope columns, then the catalog's fields (of `only_types` when given), then extra."""
    shared = {name for name, _ in ENVELOPE} | set(EventBase.model_fields)
    fields: dict[str, pa.DataType | None] = {}
    for model in CATALOGS.get(catalog, ()):
        if only_types is not None and model.tag().partition("@")[0] not in only_types:
            continue
        for name, info in model.model_fields.items():
            if name in shared:
                continue
            kind = arrow_type(info.annotation)
            if name in fields and fields[name] != kind:
                kind = None  # typed differently by two types: JSON text for both
            fields[name] = kind
    columns = [pa.field(n, t) for n, t in ENVELOPE]
    columns += [pa.field(n, JSON_TEXT if t is None else t) for n, t in fields.items()]
    columns.append(pa.field(EXTRA, JSON_TEXT))
    return pa.schema(columns)


def _json(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False, sort_keys=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat().replace("+00:00", "Z")
    return str(value)


def as_utc(moment: datetime) -> datetime:
    """MongoDB answers naive UTC datetimes; this makes them aware."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# Per schema (by identity: catalog_columns hands out one object per catalog, and hashing
# a pa.Schema costs more than the row itself): its names, and what each value needs:
# "text" (JSON unless already a string), "float" (an int becomes a float), "" (as is).
_SHAPES: dict[int, tuple[pa.Schema, tuple[str, ...], dict[str, str]]] = {}


def _shape(schema: pa.Schema) -> tuple[tuple[str, ...], dict[str, str]]:
    known = _SHAPES.get(id(schema))
    if known is None or known[0] is not schema:
        kinds = {
            f.name: "text" if pa.types.is_string(f.type)
            else "float" if pa.types.is_floating(f.type) else ""
            for f in schema if f.name != EXTRA
        }
        known = _SHAPES[id(schema)] = (schema, tuple(schema.names), kinds)
    return known[1], known[2]


def to_row(document: Mapping[str, Any], schema: pa.Schema) -> dict[str, Any]:
    """One stored event as a row of `schema`: typed values, JSON text where the column is
    text but the value is not, and the fields the schema lacks in `extra`.

    The hot loop of the export: it walks the event's own fields (a handful), not the
    catalog's columns (dozens), and looks each up once."""
    names, kinds = _shape(schema)
    row: dict[str, Any] = dict.fromkeys(names)
    extra: dict[str, Any] = {}
    for name, value in public_event(dict(document)).items():
        kind = kinds.get(name)
        if kind is None:
            extra[name] = value
            continue
        if value is None:
            continue
        if isinstance(value, datetime):
            value = as_utc(value)
        if kind == "text" and not isinstance(value, str):
            value = _json(value)
        elif kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        row[name] = value
    row[EXTRA] = _json(extra) if extra else None
    return row


def text_value(value: Any) -> Any:
    """A row's value for NDJSON and CSV: timestamps as ISO 8601 in UTC."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value


def union_schema(schemas: Iterable[pa.Schema]) -> pa.Schema:
    return pa.unify_schemas(list(schemas))
