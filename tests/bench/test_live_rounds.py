"""`bench achievements --end-to-end` counts each figure's fastest run, whichever round it
comes from: a stall of the shared machine during one pass decides no ratio."""

from __future__ import annotations

from questlog.bench.live import fastest_runs, per_second
from questlog.bench.raw import RawFigures


def raw_run(inserted: int, seconds: float) -> RawFigures:
    return RawFigures(inserted=inserted, seconds=seconds, average_bytes=400.0, store="test")


def test_each_figure_is_the_fastest_of_its_runs_by_its_own_rate_from_any_round() -> None:
    runs = [raw_run(5000, 0.25), raw_run(5000, 0.2), raw_run(4000, 0.18), raw_run(5000, 0.3)]
    catch_ups = [((5000, 0.25), (10000, 0.40)),
                 ((5000, 0.22), (10000, 0.35)),
                 ((4000, 0.16), (10000, 0.31))]  # fewer events, the fastest per second
    raw, first, returning = fastest_runs(runs, catch_ups)
    assert raw == runs[1]  # 25,000 docs/s; the shortest run (0.18 s) is slower per doc
    assert first == (4000, 0.16)  # 25,000 events/s: not the most events, nor the longest
    assert returning == (10000, 0.31)  # the third round's, the raw run the second's


def test_a_run_that_took_no_time_measured_nothing_and_is_never_the_fastest() -> None:
    assert per_second(5000, 0.0) == 0.0
    raw, first, returning = fastest_runs(
        [raw_run(0, 0.0), raw_run(5000, 0.5)],
        [((0, 0.0), (5000, 0.0)), ((5000, 0.5), (5000, 0.4))])
    assert raw.seconds == 0.5
    assert first == (5000, 0.5)
    assert returning == (5000, 0.4)
