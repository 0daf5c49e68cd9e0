"""The client's pure decisions: which answers are retried, how long to wait, who is sampled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from questlog.client.policy import Verdict, backoff_delay, in_sample, retry_after_seconds, verdict

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, Verdict.DELIVERED), (202, Verdict.DELIVERED),
        (408, Verdict.RETRY), (429, Verdict.RETRY), (500, Verdict.RETRY),
        (502, Verdict.RETRY), (503, Verdict.RETRY), (504, Verdict.RETRY),
        (301, Verdict.DROP), (400, Verdict.DROP), (401, Verdict.DROP), (403, Verdict.DROP),
        (404, Verdict.DROP), (413, Verdict.DROP), (422, Verdict.DROP),
    ],
)
def test_only_transient_statuses_are_retried(status: int, expected: Verdict) -> None:
    assert verdict(status) is expected


def test_backoff_doubles_up_to_the_cap_and_is_scaled_by_the_draw() -> None:
    ceilings = [backoff_delay(n, base=0.5, cap=10, draw=1.0) for n in range(8)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 10, 10, 10]
    assert backoff_delay(3, base=0.5, cap=10, draw=0.0) == 0.0
    assert backoff_delay(3, base=0.5, cap=10, draw=0.25) == 1.0
    assert backoff_delay(10_000, base=0.5, cap=10, draw=0.5) == 5.0  # no overflow


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0), (" 1.5 ", 1.5), ("0", 0.0), ("-3", 0.0),
        ("Sun, 01 Mar 2026 12:00:10 GMT", 10.0), ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0),
        (None, None), ("", None), ("soon", None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    header: str | None, seconds: float | None,
) -> None:
    assert retry_after_seconds(header, now=NOW) == seconds


def test_sampling_is_stable_and_keeps_about_the_rate() -> None:
    keys = [f"player-{n}\x1floot_drop" for n in range(10_000)]
    kept = [key for key in keys if in_sample(key, 0.25)]
    assert 2_300 <= len(kept) <= 2_700
    assert kept == [key for key in keys if in_sample(key, 0.25)]
    assert set(kept) <= {key for key in keys if in_sample(key, 0.5)}  # a higher rate adds players
    assert not any(in_sample(key, 0) for key in keys[:100])
    assert all(in_sample(key, 1) for key in keys[:100])
