"""The commands: players token, achievements backfill, bench achievements; a bad file at start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from questlog import bootstrap
from questlog.achievements.definitions import DefinitionsError
from questlog.achievements.tokens import PlayerTokens
from questlog.cli import main
from questlog.settings import Settings

BAD_FILE = """\
achievements:
  - {id: fine, rule: {kind: counter, event: BILL_VOTE, threshold: 1}}
  - {id: typo, rule: {kind: counter, event: BILL_VOTES, threshold: 1}}
"""


def test_players_token_prints_a_token_the_server_accepts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUESTLOG_PLAYER_TOKEN_SECRET", "shared-secret")

    assert main(["players", "token", "player-9"]) == 0

    out, err = capsys.readouterr()
    server = PlayerTokens(secret="shared-secret", ttl=timedelta(hours=1))
    assert server.verify(out.strip(), now=datetime.now(UTC)) == "player-9"
    assert "expires at" in err


def test_players_token_without_a_shared_secret_refuses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("QUESTLOG_PLAYER_TOKEN_SECRET", raising=False)

    assert main(["players", "token", "player-9"]) == 2
    assert "QUESTLOG_PLAYER_TOKEN_SECRET" in capsys.readouterr().err


def test_backfill_of_an_unknown_achievement_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["achievements", "backfill", "--id", "first_vote", "--id", "nope"]) == 2
    assert "['nope']" in capsys.readouterr().err


def test_backfill_with_a_bad_definitions_file_names_the_bad_definition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "achievements.yaml"
    path.write_text(BAD_FILE)
    monkeypatch.setenv("QUESTLOG_ACHIEVEMENTS_FILE", str(path))

    assert main(["achievements", "backfill"]) == 2
    assert "achievement 'typo' (#2)" in capsys.readouterr().err


async def test_a_bad_definitions_file_stops_the_start(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "achievements.yaml"
    path.write_text(BAD_FILE)

    with pytest.raises(DefinitionsError, match=r"achievement 'typo' .*unknown event type"):
        await bootstrap.start(settings.model_copy(update={"achievements_file": path}))


def test_bench_achievements_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "achievements", "--events", "300"]) == 0

    out = capsys.readouterr().out
    assert "bench achievements: 300 events, 100 definitions" in out
    assert "100 (90 counting, 10 all_of)" in out
    assert "µs CPU mean (target <= 20 µs" in out
