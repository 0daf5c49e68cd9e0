"""Token buckets, pure: refill, burst, all-or-nothing requests."""

from __future__ import annotations

from questlog.access.rates import BucketState, Rate, level, take

RATE = Rate(per_second=2.0, burst=4.0)


def test_a_bucket_never_seen_is_full_and_refills_up_to_its_burst() -> None:
    assert level(None, RATE, now=0.0) == 4.0
    assert level(BucketState(tokens=0.0, updated=10.0), RATE, now=11.0) == 2.0
    assert level(BucketState(tokens=0.0, updated=10.0), RATE, now=99.0) == 4.0


def test_a_request_refused_takes_no_token_from_its_other_buckets() -> None:
    roomy, empty = Rate(per_second=1.0, burst=10.0), Rate(per_second=1.0, burst=1.0)

    outcome = take({}, [[("a", roomy), ("b", empty)], [("a", roomy), ("b", empty)]], now=0.0)

    assert outcome.granted == [True, False]
    assert outcome.states["a"].tokens == 9.0
    assert outcome.retry_after == 1.0


def test_the_wait_is_the_time_to_one_token() -> None:
    outcome = take({"a": BucketState(tokens=0.5, updated=0.0)}, [[("a", RATE)]], now=0.0)

    assert outcome.granted == [False]
    assert outcome.retry_after == 0.25
