"""Credentials beyond the environment's API keys: player tokens with scopes (revocable
per player) and keys created at run time. deps.authenticate asks here second."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from questlog.achievements.tokens import PREFIX as PLAYER_TOKEN_PREFIX
from questlog.achievements.tokens import InvalidToken
from questlog.api.auth import Principal, key_label, principal_for_key
from questlog.api.envelope import ApiError
from questlog.bootstrap import Questlog


async def principal_for(token: str, questlog: Questlog) -> Principal | None:
    """The principal of a player token or of a run-time key; None when it is neither."""
    if token.startswith(PLAYER_TOKEN_PREFIX):
        return await player_principal(token, questlog)
    scopes = await questlog.access.keys.scopes_of(token)
    return None if scopes is None else Principal(label=key_label(token), scopes=scopes)


async def key_principal(token: str, questlog: Questlog) -> Principal | None:
    """An API key's principal: from QUESTLOG_API_KEYS, or created at run time."""
    principal = principal_for_key(token, questlog.settings.api_key_scopes)
    if principal is None and not token.startswith(PLAYER_TOKEN_PREFIX):
        scopes = await questlog.access.keys.scopes_of(token)
        principal = None if scopes is None else Principal(label=key_label(token), scopes=scopes)
    return principal


async def player_principal(token: str, questlog: Questlog) -> Principal:
    """A player token's principal: no key scope, its own player's `player_scopes` only;
    401 when it is forged, malformed, expired or revoked."""
    try:
        claims = questlog.achievements.tokens.verify_claims(token, now=datetime.now(UTC))
    except InvalidToken as exc:
        raise ApiError(401, "unauthorized", str(exc)) from None
    if not await questlog.access.flags.token_valid(claims.user_id, claims.issued_at):
        raise ApiError(401, "unauthorized", "player token revoked")
    label = "player:" + hashlib.sha256(claims.user_id.encode()).hexdigest()[:10]
    return Principal(label=label, scopes=frozenset(), user_id=claims.user_id,
                     player_scopes=claims.scopes)
