"""`questlog players erase|export|opt-out`: the same requests from the command line."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from conftest import bill_vote
from events_http import BATCH, data_of, stored_events

from questlog.access.pseudonyms import Pseudonyms
from questlog.achievements.tokens import PlayerTokens
from questlog.bootstrap import Questlog
from questlog.cli import main
from questlog.settings import Settings


@pytest.fixture
def command_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """The commands read QUESTLOG_* settings: the test's store, or the embedded one."""
    monkeypatch.setenv("QUESTLOG_MONGODB_URL", settings.mongodb_url or "")
    monkeypatch.setenv("QUESTLOG_DATABASE", settings.database)
    monkeypatch.setenv("QUESTLOG_ENV", "development")


@pytest.mark.usefixtures("command_env")
def test_erase_prints_a_receipt_without_the_player(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["players", "erase", "player-9"]) == 0

    receipt = json.loads(capsys.readouterr().out)
    assert receipt["removed"]["events"] == 0
    assert "player-9" not in json.dumps(receipt)


@pytest.mark.usefixtures("command_env")
def test_export_writes_ndjson_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "player.ndjson"

    assert main(["players", "export", "never-seen", "--out", str(out)]) == 0

    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0]["kind"] == "export"
    assert "1 line(s) written" in capsys.readouterr().err


@pytest.mark.mongodb
@pytest.mark.usefixtures("command_env")
async def test_erase_from_the_command_line_removes_what_the_server_stored(
    ingest_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    assert os.environ["QUESTLOG_MONGODB_URL"]
    events = [bill_vote(), bill_vote(user_id="player-2")]
    assert data_of(await ingest_client.post(BATCH, json={"events": events}))["accepted"] == 2

    # The command runs its own event loop, as from a shell.
    assert await asyncio.to_thread(main, ["players", "erase", "player-1"]) == 0

    assert {e["user_id"] for e in await stored_events(questlog)} == {"player-2"}


@pytest.mark.usefixtures("command_env")
def test_keys_create_list_and_revoke_from_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["keys", "create", "--name", "cli", "--scope", "ingest"]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("qlk_")

    assert main(["keys", "revoke", "nope"]) == 2
    assert "no key" in capsys.readouterr().err


def test_players_token_takes_scopes_and_the_pseudonym(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUESTLOG_PLAYER_TOKEN_SECRET", "shared-secret")
    monkeypatch.setenv("QUESTLOG_PSEUDONYMIZE", "true")
    monkeypatch.setenv("QUESTLOG_PLAYER_ID_SECRET", "ids")

    assert main(["players", "token", "player-9", "--scope", "ingest"]) == 0

    server = PlayerTokens(secret="shared-secret", ttl=timedelta(hours=1))
    claims = server.verify_claims(capsys.readouterr().out.strip(), now=datetime.now(UTC))
    assert claims.user_id == Pseudonyms(secret="ids", enabled=True).player("player-9")
    assert claims.scopes == {"ingest"}
