"""The event union: every catalog's models, keyed by type and schema version.

Adding an event type is one model in its catalog module and one entry in that
module's EVENTS tuple; a new catalog is one module and one entry in CATALOGS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, Union

from pydantic import Discriminator, Tag, TypeAdapter

from questlog.events import earth, exam_sessions, gameplay, politics, skills
from questlog.events.envelope import LEGACY_ALIASES, EventBase

CATALOGS: dict[str, tuple[type[EventBase], ...]] = {
    "politics": politics.EVENTS,
    "skills": skills.EVENTS,
    "exam_sessions": exam_sessions.EVENTS,
    "gameplay": gameplay.EVENTS,
    "earth": earth.EVENTS,
}

EVENT_MODELS: tuple[type[EventBase], ...] = tuple(m for ms in CATALOGS.values() for m in ms)
MODELS_BY_TAG: dict[str, type[EventBase]] = {m.tag(): m for m in EVENT_MODELS}
EVENT_TYPES: frozenset[str] = frozenset(m.tag().partition("@")[0] for m in EVENT_MODELS)

_VERSION_KEYS = ("schema_version", "schemaVersion", LEGACY_ALIASES["schema_version"])
# A tuple, not `dict | Mapping`: that expression builds a new union object per call.
MAPPINGS = (dict, Mapping)


def tag_of(value: Any) -> str | None:
    """The union's discriminator: "TYPE@VERSION", the version defaulting to 1."""
    # Called for every ingested event: keep it plain.
    if not isinstance(value, MAPPINGS):
        return value.tag() if isinstance(value, EventBase) else None
    version: object = 1
    for key in _VERSION_KEYS:
        if key in value:
            version = value[key]
            break
    return f"{value.get('type')}@{version}"


if TYPE_CHECKING:
    # The union is built from EVENT_MODELS at import time, which a type checker cannot
    # follow: to it, an event is the base class all the members share.
    Event: TypeAlias = EventBase
else:
    Event = Annotated[
        Union[tuple(Annotated[m, Tag(m.tag())] for m in EVENT_MODELS)],  # noqa: UP007
        Discriminator(tag_of),
    ]
EVENT_ADAPTER: TypeAdapter[EventBase] = TypeAdapter(Event)


def versions_of(event_type: str) -> list[int]:
    return sorted(
        m.model_fields["schema_version"].default
        for m in EVENT_MODELS
        if m.tag().partition("@")[0] == event_type
    )
