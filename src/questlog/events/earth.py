"""Earth-task catalog (seed 004): one event per attempt at a sequence.

The client names its company either by `company_id` or by `company_name`; a name is
turned into a salted, hashed company_id at ingestion and never stored (seed 004's
privacy rule), so the model requires one of the two.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import ConfigDict, model_validator

from questlog.events.envelope import (
    EventBase,
    Id,
    NonNegativeInt,
    NonNegativeNumber,
    PositiveInt,
    Text,
)


class AttemptSubmitted(EventBase):
    # The JSON Schema says what _names_a_company checks, for clients that validate first.
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["company_id"], "properties": {"company_id": {"type": "string"}}},
        {
            "required": ["company_name"],
            "properties": {"company_name": {"type": "string", "minLength": 1}},
        },
    ]})
    catalog = "earth"

    type: Literal["AttemptSubmitted"] = "AttemptSubmitted"
    session_id: Id
    sequence: NonNegativeInt
    attempt_number: PositiveInt
    success: bool
    company_name: Text | None = None
    duration_ms: NonNegativeNumber | None = None

    @model_validator(mode="after")
    def _names_a_company(self) -> Self:
        if self.company_id is None and not self.company_name:
            raise ValueError("company_id or company_name is required")
        return self


EVENTS: tuple[type[EventBase], ...] = (AttemptSubmitted,)
