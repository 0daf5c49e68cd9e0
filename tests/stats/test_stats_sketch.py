"""Distinct users: exact while small, within 2% above, and mergeable either way."""

from __future__ import annotations

import pytest

from questlog.stats.sketch import EXACT_LIMIT, decode, encode, merge_users, users_of


def ids(prefix: str, count: int, start: int = 0) -> list[str]:
    return [f"{prefix}-{i}" for i in range(start, start + count)]


def test_up_to_the_limit_users_are_counted_exactly() -> None:
    users = merge_users([users_of(ids("p", 600)), users_of(ids("p", 600, start=300))])

    assert users.is_exact
    assert users.count() == 900


def test_past_the_limit_the_count_is_an_estimate_and_says_so() -> None:
    users = users_of(ids("p", EXACT_LIMIT + 1))

    assert not users.is_exact
    assert users.count() == pytest.approx(EXACT_LIMIT + 1, rel=0.02)


@pytest.mark.parametrize("count", [5_000, 50_000, 200_000])
def test_estimates_are_within_two_percent(count: int) -> None:
    assert users_of(ids("player", count)).count() == pytest.approx(count, rel=0.02)


def test_merging_sketches_equals_sketching_the_union() -> None:
    monday, tuesday = ids("p", 30_000), ids("p", 30_000, start=20_000)

    merged = merge_users([users_of(monday), users_of(tuesday)])

    assert merged == users_of(monday + tuesday)
    assert merged.count() == pytest.approx(50_000, rel=0.02)


def test_an_exact_set_merges_into_a_sketch() -> None:
    big, small = users_of(ids("p", 20_000)), users_of(["p-1", "newcomer"])

    assert merge_users([big, small]) == users_of([*ids("p", 20_000), "newcomer"])


@pytest.mark.parametrize("count", [0, 3, 40_000])
def test_stored_form_round_trips(count: int) -> None:
    users = users_of(ids("p", count))

    assert decode(encode(users)) == users


def test_a_full_sketch_is_stored_in_under_16_kb() -> None:
    stored = encode(users_of(ids("p", 500_000)))

    assert stored["users"] is None
    assert isinstance(stored["users_hll"], bytes)
    assert len(stored["users_hll"]) < 16_384


def test_registers_kept_between_sketches_give_the_same_sketches() -> None:
    positions: dict[str, tuple[int, int]] = {}  # as the rollup keeps them for a day
    votes, polls = ids("p", 3_000), ids("p", 2_000, start=1_000)

    assert users_of(votes, positions) == users_of(votes)
    assert users_of(polls, positions) == users_of(polls)
    assert len(positions) == 3_000
