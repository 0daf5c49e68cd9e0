"""`questlog bench report`'s table: each target judged on the ratio to its floor, or on
the value itself, and a missed one says so."""

from __future__ import annotations

import pytest

from questlog.bench.summary import _row, print_table


def test_a_ratio_target_is_judged_on_value_over_floor() -> None:
    assert _row("daily rollup", 3.0, "s", 2.5, 1.5).met  # 1.2
    missed = _row("daily rollup", 4.0, "s", 2.0, 1.5)  # 2.0
    assert not missed.met
    assert missed.target == "<= 1.5 x floor"


def test_a_rate_target_is_at_least_its_share_of_the_floor() -> None:
    assert _row("ingestion", 900.0, "events/s", 1000.0, 0.8, at_most=False).met
    assert not _row("ingestion", 700.0, "events/s", 1000.0, 0.8, at_most=False).met


def test_a_value_target_shows_its_floor_but_is_judged_on_the_value() -> None:
    row = _row("single event p99", 4.0, "ms", 3.9, 5, on_value=True)
    assert row.met  # 4 ms is under 5 ms, whatever the ratio to the floor (1.03)
    assert row.target == "<= 5 ms"
    assert not _row("single event p99", 6.0, "ms", 1.0, 5, on_value=True).met


def test_the_table_marks_what_was_missed(capsys: pytest.CaptureFixture[str]) -> None:
    print_table("bench report", [_row("weekly rollup", 1.0, "s", 1.0, 0.5),
                                 _row("drain", 2.0, "s", None, 5)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "bench report"
    assert lines[2].split()[-1] == "MISSED"
    assert "weekly rollup" in lines[2]
    assert lines[3].split()[-1] == "met"
    assert "<= 5 s" in lines[3]
