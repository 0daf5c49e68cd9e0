"""Player tokens: signed (HMAC-SHA256), carrying one user_id and an expiry.

A token reads `qlp1.<payload>.<signature>`, both parts base64url without padding; the
payload is `{"sub": user_id, "exp": unix seconds}`. Nothing is stored server-side:
any process with the same secret verifies any token, and a token lives until it
expires (rotate QUESTLOG_PLAYER_TOKEN_SECRET to revoke them all).
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


class InvalidToken(Exception):
    """The token is malformed, forged, or expired; the message says which."""


@dataclass(frozen=True)
class PlayerToken:
    token: str
    user_id: str
    expires_at: datetime


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

    def issue(self, user_id: str, *, now: datetime) -> PlayerToken:
        expires_at = (now + self._ttl).replace(microsecond=0)
        payload = _b64(json.dumps({"sub": user_id, "exp": int(expires_at.timestamp())},
                                  separators=(",", ":")).encode())
        token = f"{PREFIX}{payload}.{self._sign(payload)}"
        return PlayerToken(token=token, user_id=user_id, expires_at=expires_at)

    def verify(self, token: str, *, now: datetime) -> str:
        """The user_id the token was issued for; InvalidToken when it must be refused."""
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
        return user_id

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())
