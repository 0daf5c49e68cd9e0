"""What `bench rollup` prints of its rounds: each round's ratio, and the best of each side's."""

from __future__ import annotations

from questlog.bench.rollup import RollupFigures, Round
from questlog.stats.writer import Tally


def test_a_rounds_ratio_is_its_own_daily_rollup_over_its_own_floors() -> None:
    assert Round(daily=(Tally(), 3.0), weekly=(Tally(), 1.0), group=0.5, insert=1.0).ratio == 2.0
    assert Round(daily=(Tally(), 1.0), weekly=(Tally(), 1.0), group=1.0, insert=1.0).ratio == 0.5


def test_the_rounds_ratios_are_printed_in_order_beside_the_best_of_each_side() -> None:
    figures = RollupFigures(
        events=10, load_seconds=1.0, days=1, daily=Tally(), daily_seconds=3.0, weeks=1,
        weekly=Tally(), weekly_seconds=1.0, group_seconds=0.5, insert_seconds=1.5, runs=2,
        store="test", round_ratios=(1.75, 1.5),
    )

    printed = dict(figures.figures())

    assert printed["daily / (a + b)"].startswith("1.50 (target <= 1.5: met)")
    assert printed["each round's"].startswith("1.75, 1.50 (")
