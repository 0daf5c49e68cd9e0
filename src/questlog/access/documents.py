"""Beanie documents of access and privacy (the services use their Motor collections)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import pymongo
from beanie import Document
from pydantic import Field

PLAYER_FLAGS = "player_flags"
SESSION_OWNERS = "session_owners"


class PlayerFlag(Document):
    """What a player asked for: opted out, erased; and since when their tokens hold."""

    id: str  # type: ignore[assignment]  # the user_id as stored
    opted_out: bool = False
    opted_out_at: datetime | None = None
    erased_at: datetime | None = None
    tokens_valid_from: int | None = None  # unix seconds: tokens issued before are revoked

    class Settings:
        name = PLAYER_FLAGS


class SessionOwner(Document):
    """The player a session_id was first seen with: only they may write to it."""

    id: str  # type: ignore[assignment]  # the session_id
    user_id: str
    first_seen: datetime

    class Settings:
        name = SESSION_OWNERS
        indexes: ClassVar = [pymongo.IndexModel([("user_id", 1)], name="user")]


class ApiKeyRecord(Document):
    """A key created at run time, stored as its SHA-256 digest, never in clear."""

    id: str  # type: ignore[assignment]  # sha256 hex of the key
    key_id: str  # short, public: what list and revoke name
    name: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None = None

    class Settings:
        name = "api_keys"
        indexes: ClassVar = [pymongo.IndexModel([("key_id", 1)], name="key_id", unique=True)]


class CompanyRecord(Document):
    """A registered company and the nonce of its one valid dashboard token."""

    id: str  # type: ignore[assignment]  # the company_id
    company_name: str | None = None
    token_nonce: str | None = None
    token_issued_at: datetime | None = None
    registered_at: datetime
    source: str  # "admin" or "events"

    class Settings:
        name = "companies"
        indexes: ClassVar = [pymongo.IndexModel([("token_nonce", 1)], name="token_nonce")]


class ErasureReceipt(Document):
    """What an erasure removed, and when; the player only as a hash."""

    id: str  # type: ignore[assignment]
    player_hash: str
    erased_at: datetime
    removed: dict[str, int]  # both sweeps
    late_removed: int = 0  # of those, what the second sweep found
    second_sweep_after_seconds: float | None = None  # None on receipts of one sweep
    recomputed_days: list[str] = Field(default_factory=list)
    kept_days: list[str] = Field(default_factory=list)
    note: str = ""

    class Settings:
        name = "erasure_receipts"
        indexes: ClassVar = [pymongo.IndexModel([("player_hash", 1)], name="player_hash")]


class ReferenceList(Document):
    """Known ids of one kind (bills) that events must name while the list is non-empty."""

    id: str  # type: ignore[assignment]  # the kind: "bills"
    ids: list[str] = Field(default_factory=list)
    updated_at: datetime

    class Settings:
        name = "reference_data"


class AccessRevision(Document):
    """A counter bumped after every change of one kind of access data that processes
    cache (access.cache): player flags and sessions, reference lists."""

    id: str  # type: ignore[assignment]  # the kind: "players", "references"
    n: int = 0

    class Settings:
        name = "access_revisions"


class RateBucket(Document):
    """A token bucket shared by every process (QUESTLOG_RATE_LIMIT_SHARED=true)."""

    id: str  # type: ignore[assignment]
    tokens: float
    updated: float  # unix seconds
    expires_at: datetime

    class Settings:
        name = "rate_buckets"
        indexes: ClassVar = [pymongo.IndexModel([("expires_at", 1)], name="ttl",
                                                expireAfterSeconds=0)]


MODELS: list[type[Document]] = [
    PlayerFlag, SessionOwner, ApiKeyRecord, CompanyRecord, ErasureReceipt, ReferenceList,
    AccessRevision, RateBucket,
]
