"""Player tokens: signed, carrying a user_id and an expiry; anything else is refused."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from achievement_factories import T0

from questlog.achievements.tokens import InvalidToken, PlayerTokens
from questlog.settings import Settings

TOKENS = PlayerTokens(secret="s3cret", ttl=timedelta(hours=2))


def test_a_token_names_its_player_until_it_expires() -> None:
    issued = TOKENS.issue("player-7", now=T0)

    assert issued.expires_at == T0 + timedelta(hours=2)
    assert TOKENS.verify(issued.token, now=T0 + timedelta(hours=1)) == "player-7"
    with pytest.raises(InvalidToken, match="expired"):
        TOKENS.verify(issued.token, now=issued.expires_at)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    issued = PlayerTokens(secret="other", ttl=timedelta(hours=2)).issue("player-7", now=T0)

    with pytest.raises(InvalidToken, match="signature"):
        TOKENS.verify(issued.token, now=T0)


def test_a_token_whose_player_was_changed_is_refused() -> None:
    prefix, _, signature = TOKENS.issue("player-7", now=T0).token.split(".")
    claims = {"sub": "player-8", "exp": int((T0 + timedelta(days=365)).timestamp())}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    with pytest.raises(InvalidToken, match="signature"):
        TOKENS.verify(f"{prefix}.{forged}.{signature}", now=T0)


@pytest.mark.parametrize(
    "token",
    ["", "qlp1.", "qlp1.abc", "qlp2.a.b", "not a token", "qlp1.\u00e9.\u00e9", "qlp1.a.b\u00ff"],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        TOKENS.verify(token, now=T0)


def test_without_a_configured_secret_each_process_signs_with_its_own(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(_env_file=None, player_token_secret="")  # type: ignore[call-arg]

    first, second = PlayerTokens.from_settings(settings), PlayerTokens.from_settings(settings)

    assert "die with this process" in caplog.text
    with pytest.raises(InvalidToken):
        second.verify(first.issue("p", now=T0).token, now=T0)
