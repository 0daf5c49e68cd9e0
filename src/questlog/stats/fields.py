"""What each event type aggregates, read off its pydantic models: no list to keep in sync.

Numeric fields are the int and float fields of the type's own payload (over all its
schema versions, so v2's new field is aggregated too); envelope fields such as seq
and schema_version are bookkeeping, not measurements. A bool field named `success`
gives the type a success rate.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from questlog.events import EVENT_MODELS
from questlog.events.envelope import ENVELOPE_FIELDS, EventBase

SUCCESS_FIELD = "success"


@dataclass(frozen=True)
class TypeShape:
    numeric: tuple[str, ...] = ()
    has_success: bool = False


def _bare(annotation: Any) -> Any:
    """int from Annotated[int, ...], float from `float | None`; anything else as is."""
    if get_origin(annotation) is Annotated:
        return _bare(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return _bare(members[0]) if len(members) == 1 else annotation
    return annotation


def _shapes(models: tuple[type[EventBase], ...]) -> dict[str, TypeShape]:
    numeric: dict[str, dict[str, None]] = {}  # an ordered set per type
    success: set[str] = set()
    for model in models:
        event_type = model.tag().partition("@")[0]
        names = numeric.setdefault(event_type, {})
        for name, info in model.model_fields.items():
            kind = _bare(info.annotation)
            if name in ENVELOPE_FIELDS:
                continue
            if kind in (int, float):  # bool is its own type here, never counted as a number
                names[name] = None
            elif kind is bool and name == SUCCESS_FIELD:
                success.add(event_type)
    return {t: TypeShape(tuple(names), t in success) for t, names in numeric.items()}


SHAPES: dict[str, TypeShape] = _shapes(EVENT_MODELS)
NO_SHAPE = TypeShape()  # a type no longer in the catalogs: its events are only counted


def shape_of(event_type: str) -> TypeShape:
    """The shape of a known type; a type no longer in the catalogs only counts events."""
    return SHAPES.get(event_type, NO_SHAPE)
