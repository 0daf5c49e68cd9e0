"""Event contracts: what an event is, per catalog and version."""

from questlog.events.envelope import EventBase
from questlog.events.registry import (
    CATALOGS,
    EVENT_ADAPTER,
    EVENT_MODELS,
    EVENT_TYPES,
    MODELS_BY_TAG,
    Event,
)

__all__ = [
    "CATALOGS",
    "EVENT_ADAPTER",
    "EVENT_MODELS",
    "EVENT_TYPES",
    "MODELS_BY_TAG",
    "Event",
    "EventBase",
]
