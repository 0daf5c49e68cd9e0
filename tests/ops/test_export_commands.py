"""`questlog export` and `questlog export stats` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from questlog.cli import main


def test_export_writes_a_manifest_and_reports_its_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "warm"
    assert main(["export", "--from", "2026-01-01", "--to", "2026-01-02", "--out", str(out),
                 "--format", "ndjson"]) == 0
    manifest = json.loads((out / "_manifest-all.json").read_text())
    assert manifest["rows"] == 0
    assert manifest["format"] == "ndjson"
    assert "rows" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["export", "--out", "x"], "--since-last"),
     (["export", "--from", "2026-01-02", "--to", "2026-01-01", "--out", "x"], "before"),
     (["export", "--from", "2026-01-01", "--to", "2026-01-01"], "--out")],
)
def test_export_refuses_an_unclear_request(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_export_stats_prints_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "stats.csv"
    assert main(["export", "stats", "--type", "BILL_VOTE", "--from", "2026-01-01",
                 "--to", "2026-01-02", "--out", str(target)]) == 0
    assert target.read_text() == "\n"  # no buckets: an empty table
    assert main(["export", "stats", "--type", "BILL_VOTE", "--scope", "company"]) == 2
    assert "company_id" in capsys.readouterr().err


def test_rejected_replay_reports_its_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rejected", "replay", "--code", "unknown_event_type",
                 "--from", "2026-01-01"]) == 0
    out = capsys.readouterr().out
    assert "matched" in out
    assert "still_rejected" in out
    assert main(["rejected", "replay", "--id", "nope"]) == 2
