"""`bench report`'s host probe: the CPU time of the same work at each step, and its
spread, which tells a busy host from code that got slower."""

from __future__ import annotations

from questlog.bench.host import HostProbe


def test_each_sample_is_the_cpu_time_of_the_same_work() -> None:
    host = HostProbe()
    first, second = host.take(), host.take()
    assert first > 0
    assert second > 0
    assert host.times == [first, second]


def test_the_summary_gives_the_spread_and_how_much_slower_the_slowest_ran() -> None:
    summary = HostProbe(times=[0.030, 0.022, 0.043]).summary()
    assert "22-43 ms" in summary
    assert "3 samples" in summary
    assert "1.95 times the fastest" in summary


def test_a_report_that_took_no_sample_says_so() -> None:
    assert HostProbe().summary() == "host probe: not taken"
