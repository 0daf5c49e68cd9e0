"""API models of sessions: a session's summary, the answer to a close, a player's model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from questlog.sessions.documents import ClosedBy, Status

CLOSED_MESSAGE = "Session closed and behavioral features extracted"


class SessionOut(BaseModel):
    session_id: str
    user_id: str | None
    company_id: str | None
    company_ids: list[str]
    catalogs: list[str]
    status: Status
    closed_by: ClosedBy | None
    started_at: datetime
    last_event_at: datetime
    ended_at: datetime | None
    closed_at: datetime | None
    event_count: int
    events_by_type: dict[str, int]
    features: dict[str, Any] | None = Field(
        description="Set once closed: duration_s, event_count and the catalogs' features."
    )
    conflict: dict[str, Any] | None = Field(
        description='Seed 004: {"code": "mixed_company", "company_ids": [...]}.'
    )

    @classmethod
    def of(cls, doc: dict[str, Any]) -> SessionOut:
        return cls(session_id=doc["_id"], **{k: doc.get(k) for k in cls.model_fields
                                            if k != "session_id"})


class ClosedOut(SessionOut):
    """Seed 000's answer (session_id, status, started_at, ended_at, message) and the summary."""

    message: str = CLOSED_MESSAGE

    @classmethod
    def of(cls, doc: dict[str, Any]) -> ClosedOut:
        return cls(**SessionOut.of(doc).model_dump())


class ModelOut(BaseModel):
    user_id: str
    status: str
    n_samples: int
    n_sessions: int
    coefficients: list[float] | None = Field(description="[coef_fta, coef_burden]")
    intercept: float | None
    mae: float | None = Field(description="Mean absolute error on the training samples")
    prediction: float | None = Field(description="Next session's fta_level, clamped to [0, 1]")
    trained_at: datetime | None

    @classmethod
    def of(cls, user_id: str, doc: dict[str, Any] | None) -> ModelOut:
        if doc is None:
            return cls(user_id=user_id, status="insufficient_data", n_samples=0, n_sessions=0,
                       coefficients=None, intercept=None, mae=None, prediction=None,
                       trained_at=None)
        return cls(user_id=user_id, **{k: doc.get(k) for k in cls.model_fields if k != "user_id"})
