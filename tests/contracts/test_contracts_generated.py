"""contracts/ is generated: the committed copy equals a fresh one; the command says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from contracts_on_disk import CONTRACTS

from questlog.cli import main
from questlog.contracts.generate import render, stale_files


def test_committed_contracts_equal_freshly_generated_ones() -> None:
    stale = stale_files(CONTRACTS, render())

    assert not stale, (
        f"contracts/ is out of date with the models and routes: {stale}; "
        "run `make contracts` and commit the result"
    )


def test_check_names_stale_files_and_a_run_refreshes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "contracts"
    assert main(["contracts", "--dir", str(root)]) == 0
    (root / "schemas" / "BILL_VOTE.v1.json").write_text("{}\n")  # hand-edited
    (root / "schemas" / "RETIRED.v1.json").write_text("{}\n")  # no model any more
    (root / "fixtures" / "earth.json").unlink()  # missing
    capsys.readouterr()

    assert main(["contracts", "--check", "--dir", str(root)]) == 1
    out = capsys.readouterr().out
    for name in ("schemas/BILL_VOTE.v1.json", "schemas/RETIRED.v1.json", "fixtures/earth.json"):
        assert name in out
    assert "make contracts" in out

    assert main(["contracts", "--dir", str(root)]) == 0
    assert not (root / "schemas" / "RETIRED.v1.json").exists()
    assert main(["contracts", "--check", "--dir", str(root)]) == 0
