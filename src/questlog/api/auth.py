"""Bearer API keys with scopes (ingest, read, admin; admin holds every scope), and player
tokens, which hold no scope: they read their own player's achievements only."""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request

from questlog.achievements.tokens import InvalidToken, PlayerTokens
from questlog.api.envelope import ApiError


@dataclass(frozen=True)
class Principal:
    label: str  # safe to log and store: a hash of the key, never the key
    scopes: frozenset[str]
    user_id: str | None = None  # set for a player token: that player only
    player_scopes: frozenset[str] = frozenset({"read"})  # what a player token may do

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


def principal_for_key(token: str, keys: Mapping[str, frozenset[str]]) -> Principal | None:
    # Digests of equal length, and every key compared: the time taken tells neither a
    # key's length nor which key matched.
    digest = hashlib.sha256(token.encode(errors="surrogatepass")).digest()
    found = None
    for key, scopes in keys.items():
        known, label = _digest_and_label(key)
        if hmac.compare_digest(known, digest):
            found = Principal(label=label, scopes=scopes)
    return found


@functools.cache  # the configured keys: a finite set
def _digest_and_label(key: str) -> tuple[bytes, str]:
    """A configured key's digest and label, hashed once rather than on every request."""
    return hashlib.sha256(key.encode()).digest(), key_label(key)


def principal_for_player_token(token: str, tokens: PlayerTokens, *, now: datetime) -> Principal:
    """The principal of a player token; 401 when it is forged, malformed or expired."""
    try:
        user_id = tokens.verify(token, now=now)
    except InvalidToken as exc:
        raise ApiError(401, "unauthorized", str(exc)) from None
    label = "player:" + hashlib.sha256(user_id.encode()).hexdigest()[:10]
    return Principal(label=label, scopes=frozenset(), user_id=user_id)
