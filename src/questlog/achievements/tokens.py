"""Player tokens: signed (HMAC-SHA256), carrying one user_id and an expiry.

A token reads `qlp1.<payload>.<signature>`, both parts base64url without padding; the
payload is `{"sub": user_id, "exp": unix seconds, "iat": unix seconds, "scp": scopes}`
(a token without `scp` reads only). Nothing is stored server-side: any process with
the same secret verifies any token, and a token lives until it expires (rotate
QUESTLOG_PLAYER_TOKEN_SECRET to revoke them all; questlog.access revokes one player's).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from questlog.settings import Settings

log = logging.getLogger(__name__)

PREFIX = "qlp1."
PLAYER_SCOPES = frozenset({"read", "ingest"})


class InvalidToken(Exception):
    """The token is malformed, forged, or expired; the message says which."""


@dataclass(frozen=True)
class PlayerToken:
    token: str
    user_id: str
    expires_at: datetime
    scopes: frozenset[str] = frozenset({"read"})


@dataclass(frozen=True)
class PlayerClaims:
    user_id: str
    scopes: frozenset[str]
    issued_at: int | None  # unix seconds; None for a token issued before scopes existed


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PlayerTokens:
    def __init__(self, *, secret: str, ttl: timedelta) -> None:
        if not secret:
            raise ValueError("a player token secret must not be empty")
        self._key, self._ttl = secret.encode(), ttl

    @classmethod
    def from_settings(cls, settings: Settings) -> PlayerTokens:
        """With no QUESTLOG_PLAYER_TOKEN_SECRET, a random secret for this process only."""
        secret = settings.player_token_secret
        if not secret:
            log.warning(
                "QUESTLOG_PLAYER_TOKEN_SECRET is not set: player tokens are signed with a "
                "random secret and die with this process; other processes reject them"
            )
            secret = secrets.token_urlsafe(32)
        return cls(secret=secret, ttl=timedelta(hours=settings.player_token_ttl_hours))

    def issue(
        self, user_id: str, *, now: datetime, scopes: frozenset[str] = frozenset({"read"})
    ) -> PlayerToken:
        expires_at = (now + self._ttl).replace(microsecond=0)
        claims = {"sub": user_id, "exp": int(expires_at.timestamp()),
                  "iat": int(now.timestamp()), "scp": sorted(scopes)}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        token = f"{PREFIX}{payload}.{self._sign(payload)}"
        return PlayerToken(token=token, user_id=user_id, expires_at=expires_at, scopes=scopes)

    def verify(self, token: str, *, now: datetime) -> str:
        """The user_id the token was issued for; InvalidToken when it must be refused."""
        return self.verify_claims(token, now=now).user_id

    def verify_claims(self, token: str, *, now: datetime) -> PlayerClaims:
        """What the token grants; InvalidToken when it must be refused."""
        payload, _, signature = token.removeprefix(PREFIX).partition(".")
        if not token.startswith(PREFIX) or not signature:
            raise InvalidToken("not a player token")
        # As bytes: compare_digest refuses str with non-ASCII characters, which a header may hold.
        if not hmac.compare_digest(self._sign(payload).encode(), signature.encode()):
            raise InvalidToken(
                "player token signature does not match: it was signed by another secret (issued "
                "by another server, or before QUESTLOG_PLAYER_TOKEN_SECRET changed)"
            )
        try:
            claims = json.loads(_unb64(payload))
            user_id, expires = claims["sub"], claims["exp"]
        except (ValueError, binascii.Error, KeyError, TypeError):
            raise InvalidToken("player token payload is malformed") from None
        if not isinstance(user_id, str) or not isinstance(expires, int):
            raise InvalidToken("player token payload is malformed")
        if now.timestamp() >= expires:
            expired_at = datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z")
            raise InvalidToken(f"player token expired at {expired_at}: ask for a new one")
        scopes, issued_at = claims.get("scp", ["read"]), claims.get("iat")
        if not isinstance(scopes, list) or not isinstance(issued_at, int | None):
            raise InvalidToken("player token payload is malformed")
        return PlayerClaims(user_id, PLAYER_SCOPES & frozenset(map(str, scopes)), issued_at)

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())
