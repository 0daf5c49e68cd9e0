"""What a player is shown of an achievement: value, next threshold, percent, tier, hidden."""

from __future__ import annotations

from datetime import timedelta

import pytest
from achievement_factories import T0, book, fold, lobby, vote

from questlog.achievements.views import progress_view, visible

DAY = timedelta(days=1)
SPENDER = {"id": "spender", "rule": {"kind": "sum", "event": "LOBBY_ATTEMPT", "field": "spend"},
           "tiers": [{"name": "bronze", "threshold": 100}, {"name": "silver", "threshold": 500}],
           "reward": {"description": "a hat"}}


@pytest.mark.parametrize(
    ("spends", "value", "threshold", "percent", "tier"),
    [
        ([], 0, 100, 0.0, None),
        ([50], 50, 100, 50.0, None),
        ([150], 150, 500, 30.0, "bronze"),  # past a tier: the next one is the threshold
        ([600], 600, 500, 100.0, "silver"),  # every tier reached: the last one, 100%
    ],
)
def test_tiers_show_the_highest_reached_and_the_next_threshold(
    spends: list[float], value: float, threshold: float, percent: float, tier: str | None
) -> None:
    rules = book(SPENDER)
    state = fold(rules, [lobby(spend=s, at=T0) for s in spends])

    view = progress_view(rules.by_id["spender"], state, {}, T0)

    assert (view.value, view.threshold) == (value, threshold)
    assert (view.percent, view.tier) == (percent, tier)
    assert view.unlocked is (tier is not None)
    assert [(t.name, t.unlocked_at) for t in view.tiers] == [
        ("bronze", T0 if tier else None), ("silver", T0 if tier == "silver" else None)]


def test_redeemed_means_every_reward_earned_was_redeemed() -> None:
    rules = book(SPENDER)
    state = fold(rules, [lobby(spend=150, at=T0)])
    achievement = rules.by_id["spender"]

    assert progress_view(achievement, state, {}, T0).redeemed is False
    assert progress_view(achievement, state, {"spender": {"count": 1}}, T0).redeemed is True


def test_a_repeatable_shows_progress_toward_its_next_unlock_and_how_many_so_far() -> None:
    rules = book({"id": "persuader", "repeatable": True,
                  "rule": {"kind": "counter", "event": "LOBBY_ATTEMPT", "threshold": 4}})
    state = fold(rules, [lobby(at=T0 + i * DAY) for i in range(9)])

    view = progress_view(rules.by_id["persuader"], state, {}, T0)

    assert (view.value, view.threshold, view.percent, view.times) == (1, 4, 25.0, 2)
    assert view.unlocked_at == T0 + 3 * DAY


@pytest.mark.parametrize(("now_offset", "current"), [(2, 3), (3, 3), (4, 0)])
def test_a_streaks_value_is_the_run_still_alive(now_offset: int, current: int) -> None:
    rules = book({"id": "regular", "rule": {"kind": "streak", "event": "BILL_VOTE", "days": 5}})
    state = fold(rules, [vote(at=T0 + d * DAY) for d in (0, 1, 2)])

    view = progress_view(rules.by_id["regular"], state, {}, T0 + now_offset * DAY)

    assert (view.value, view.threshold) == (current, 5)


def test_all_of_counts_its_parts_unlocked() -> None:
    rules = book(
        {"id": "first_vote", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 1}},
        {"id": "big", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 9}},
        {"id": "both", "rule": {"kind": "all_of", "achievements": ["first_vote", "big"]}},
    )
    state = fold(rules, [vote()])

    view = progress_view(rules.by_id["both"], state, {}, T0)

    assert (view.value, view.threshold, view.percent, view.unlocked) == (1, 2, 50.0, False)


def test_a_hidden_achievement_is_visible_only_once_unlocked() -> None:
    rules = book({"id": "secret", "hidden": True,
                  "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 2}})
    secret = rules.by_id["secret"]

    assert not visible(secret, fold(rules, [vote()]))
    assert visible(secret, fold(rules, [vote(), vote()]))
