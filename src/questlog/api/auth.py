"""Bearer API keys with scopes (ingest, read, admin); admin holds every scope."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from fastapi import Request

from questlog.api.envelope import ApiError


@dataclass(frozen=True)
class Principal:
    label: str  # safe to log and store: a hash of the key, never the key
    scopes: frozenset[str]
    user_id: str | None = None  # set for a player token: that player only

    def has(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


def key_label(key: str) -> str:
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:10]


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <API key>")
    return token.strip()


def principal_for_key(token: str, keys: dict[str, frozenset[str]]) -> Principal | None:
    for key, scopes in keys.items():
        if hmac.compare_digest(key.encode(), token.encode()):
            return Principal(label=key_label(key), scopes=scopes)
    return None
