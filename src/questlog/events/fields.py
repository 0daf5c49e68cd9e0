"""An event's validation straight into the plain dict of its fields, for ingestion.

Ingestion stores an event's fields, not its model: building a model instance per event
and copying its `__dict__` back out is about a third of what a model's validation costs
on the benchmark's events. The model's own field schemas (types, constraints, aliases,
defaults, strictness, extra="forbid"), validated as a typed dict, give that dict
directly and raise the same errors. A model with a model-level validator needs its
instance, and keeps its own validation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic_core import SchemaValidator, core_schema

from questlog.events.envelope import EventBase

ValidateFields = Callable[[object], dict[str, Any]]


def fields_validator(model: type[EventBase]) -> ValidateFields:
    """A function that validates an event as `model` does and returns its fields as a
    new dict (every field, defaults included, in the model's order); it raises
    pydantic's ValidationError with the model's errors."""
    schema = model.__pydantic_core_schema__
    if schema["type"] != "model" or schema["schema"]["type"] != "model-fields":
        # Wrapped by a model validator (earth's AttemptSubmitted): the model it is.
        validator = model.__pydantic_validator__
        return lambda item: dict(validator.validate_python(item).__dict__)
    fields = {
        name: core_schema.typed_dict_field(
            field["schema"], required=field["schema"]["type"] != "default",
            validation_alias=field.get("validation_alias"),
        )
        for name, field in schema["schema"]["fields"].items()
    }
    config = schema["config"]  # strict, extra="forbid", no NaN: the typed dict's own
    return SchemaValidator(core_schema.typed_dict_schema(fields, cls_name=model.__name__,
                                                          config=config)).validate_python
