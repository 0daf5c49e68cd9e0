"""The company registry and dashboard tokens (seed 004, keyed with an HMAC).

A dashboard token reads `qlc1.<nonce>.<signature>`: the nonce names the registry entry,
the signature is HMAC-SHA256(QUESTLOG_DASHBOARD_TOKEN_SECRET, company_id + nonce). A
token is good while it is its company's current one: issuing a new token revokes the
old, and a token signed with another secret is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from questlog.clock import utcnow
from questlog.ingest.validation import company_id_for, to_millis
from questlog.store.types import MotorCollection

PREFIX = "qlc1."


@dataclass(frozen=True)
class Issued:
    company_id: str
    company_name: str | None
    token: str


class CompanyTokens:
    """Pure: signing and reading dashboard tokens."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def sign(self, company_id: str, nonce: str) -> str:
        digest = hmac.new(self._key, f"{company_id}.{nonce}".encode(), hashlib.sha256).digest()
        return f"{PREFIX}{nonce}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"

    @staticmethod
    def nonce_of(token: str) -> str | None:
        nonce, _, signature = token.removeprefix(PREFIX).partition(".")
        if not token.startswith(PREFIX) or not nonce or not signature:
            return None
        return nonce

    def matches(self, token: str, company_id: str, nonce: str) -> bool:
        return hmac.compare_digest(self.sign(company_id, nonce).encode(), token.encode())


class Companies:
    def __init__(self, *, collection: MotorCollection, tokens: CompanyTokens, salt: str,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._collection, self._tokens, self._salt, self._clock = (
            collection, tokens, salt, clock)
        self._known: set[str] = set()

    def id_of(self, company_name: str) -> str:
        return company_id_for(company_name, self._salt)

    async def register(self, company_name: str) -> Issued:
        """Register the company (again: its name is kept) and issue its dashboard token."""
        company_id = self.id_of(company_name)
        await self._collection.update_one(
            {"_id": company_id},
            {"$set": {"company_name": company_name},
             "$setOnInsert": {"registered_at": to_millis(self._clock()), "source": "admin"}},
            upsert=True,
        )
        return await self.issue_token(company_id)

    async def issue_token(self, company_id: str) -> Issued:
        """A new token for a registered company; the old one stops working. KeyError when
        the company is not registered."""
        nonce = secrets.token_urlsafe(12)
        found = await self._collection.find_one_and_update(
            {"_id": company_id},
            {"$set": {"token_nonce": nonce, "token_issued_at": to_millis(self._clock())}},
        )
        if found is None:
            raise KeyError(company_id)
        return Issued(company_id, found.get("company_name"), self._tokens.sign(company_id, nonce))

    async def ensure(self, company_id: str) -> None:
        """Register a company seen in events, without a token (an admin issues one)."""
        if company_id in self._known:
            return
        with suppress(DuplicateKeyError):  # two upserts raced: the other inserted it
            await self._collection.update_one(
                {"_id": company_id},
                {"$setOnInsert": {"registered_at": to_millis(self._clock()), "source": "events",
                                  "company_name": None, "token_nonce": None}},
                upsert=True,
            )
        self._known.add(company_id)

    async def resolve(self, token: str) -> str | None:
        """The company a dashboard token reads; None when unknown, revoked or forged."""
        nonce = CompanyTokens.nonce_of(token)
        if nonce is None:
            return None
        found = await self._collection.find_one({"token_nonce": nonce}, {"_id": 1})
        if found is None or not self._tokens.matches(token, found["_id"], nonce):
            return None
        company_id: str = found["_id"]
        return company_id

    async def listed(self) -> list[dict[str, Any]]:
        cursor = self._collection.find({}).sort("_id", 1)
        return [{"company_id": d["_id"], "company_name": d.get("company_name"),
                 "source": d.get("source"), "registered_at": d.get("registered_at"),
                 "token_issued_at": d.get("token_issued_at")} async for d in cursor]
