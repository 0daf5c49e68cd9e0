"""API models of the write path: the batch request and the ingestion result."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from questlog.events.envelope import Timestamp
from questlog.ingest.service import BatchResult


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[Any] = Field(description="The events; each is validated on its own.")
    sent_at: Timestamp | None = Field(
        default=None,
        description="The client's clock when it sent the batch; occurred_at is corrected by it.",
    )


class RejectionOut(BaseModel):
    index: int
    event_id: str | None
    code: str
    message: str


class IngestResultOut(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    opted_out: int = Field(
        default=0, description="Events of players who opted out: dropped, never an error."
    )
    sampled_out: int = Field(
        default=0, description="Valid events the sampling policy left out (GET /api/v1/config)"
    )
    event_ids: list[str]
    rejections: list[RejectionOut]

    @classmethod
    def of(cls, result: BatchResult) -> IngestResultOut:
        return cls(
            accepted=result.accepted,
            duplicates=result.duplicates,
            rejected=result.rejected,
            opted_out=result.opted_out,
            sampled_out=result.sampled_out,
            event_ids=result.event_ids,
            rejections=[
                RejectionOut(index=r.index, event_id=r.event_id, code=r.code, message=r.message)
                for r in result.rejections
            ],
        )


class IngestEnvelope(BaseModel):
    """The answer of the write routes (documentation of the envelope around the result)."""

    ok: Literal[True]
    data: IngestResultOut
    meta: dict[str, Any]
