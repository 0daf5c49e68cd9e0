"""A local run keeps its generated admin key and player-token secret in the data dir, so
a restart keeps them valid; configured values win; `memory` runs get fresh ones."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from questlog.cli.context import SECRETS_FILE, command_settings


@pytest.fixture
def local_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("QUESTLOG_MONGODB_URL")
    monkeypatch.setenv("QUESTLOG_DATA_DIR", str(tmp_path))
    return tmp_path


def test_a_restarted_local_run_accepts_the_same_key_and_tokens(local_run: Path) -> None:
    first, second = command_settings(), command_settings()

    assert first.api_key_scopes == second.api_key_scopes
    assert list(first.api_key_scopes.values()) == [frozenset({"admin"})]
    assert first.player_token_secret == second.player_token_secret != ""
    assert stat.S_IMODE((local_run / SECRETS_FILE).stat().st_mode) == 0o600


def test_configured_keys_and_secret_win(local_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUESTLOG_API_KEYS", "mine:read")
    monkeypatch.setenv("QUESTLOG_PLAYER_TOKEN_SECRET", "configured")

    settings = command_settings()

    assert (settings.api_keys, settings.player_token_secret) == ("mine:read", "configured")


def test_a_memory_run_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUESTLOG_DATA_DIR", str(tmp_path))  # QUESTLOG_MONGODB_URL=memory

    first, second = command_settings(), command_settings()

    assert first.api_key_scopes != second.api_key_scopes
    assert not (tmp_path / SECRETS_FILE).exists()
