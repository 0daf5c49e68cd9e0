"""API models of access and privacy."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PlayerScope = Literal["read", "ingest"]


class PlayerTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scopes: list[PlayerScope] = Field(
        default=["read"], min_length=1,
        description="read: the player's own achievements; ingest: the player's own events.",
    )


class PlayerTokenOut(BaseModel):
    token: str
    expires_at: datetime
    scopes: list[str]


class OptOutOut(BaseModel):
    user_id: str
    opted_out: bool
    erased: bool


class RevokedOut(BaseModel):
    user_id: str
    revoked_before: datetime


class CompanyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company_name: str = Field(min_length=1, max_length=256)


class CompanyTokenOut(BaseModel):
    company_id: str
    company_name: str | None
    dashboard_token: str


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=128, description="Who or what uses the key.")
    scopes: list[Literal["ingest", "read", "admin"]] = Field(min_length=1)


class BillsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bill_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=128)]] = Field(
        max_length=100_000,
        description="The known bills; an empty list turns the check off.",
    )
