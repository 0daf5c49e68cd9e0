"""The pure rules: each kind, each option, and when an unlock happened."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from achievement_factories import T0, book, fold, lobby, stored, vote

from questlog.achievements.rules import apply_events, recompute
from questlog.events.envelope import INT64_MAX

DAY = timedelta(days=1)


def reached_at(entries: dict, aid: str) -> list:
    return [mark["at"] for mark in entries.get(aid, {}).get("reached", [])]


def test_counter_unlocks_at_the_event_that_reaches_the_threshold() -> None:
    rules = book({"id": "voter", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 3}})
    events = [vote(at=T0 + i * DAY) for i in range(4)]

    entries = fold(rules, events)

    assert entries["voter"]["value"] == 4
    assert entries["voter"]["reached"] == [{"at": T0 + 2 * DAY, "event_id": events[2]["_id"]}]


def test_where_matches_exact_values_and_a_list_means_any_of_them() -> None:
    rules = book(
        {"id": "yea", "rule": {"kind": "counter", "event": "BILL_VOTE", "where": {"stance": "yea"},
                               "threshold": 9}},
        {"id": "not_nay", "rule": {"kind": "counter", "event": "BILL_VOTE",
                                   "where": {"stance": ["yea", "abstain"]}, "threshold": 9}},
        {"id": "won_hard", "rule": {"kind": "counter", "event": "LOBBY_ATTEMPT",
                                    "where": {"success": True, "difficulty_tier": [4, 5]},
                                    "threshold": 9}},
    )
    events = [vote(stance="yea"), vote(stance="nay"), vote(stance="abstain"),
              lobby(success=True, tier=5), lobby(success=False, tier=5),
              lobby(success=True, tier=1)]

    entries = fold(rules, events)

    assert (entries["yea"]["value"], entries["not_nay"]["value"]) == (1, 2)
    assert entries["won_hard"]["value"] == 1


def test_sum_adds_a_numeric_field() -> None:
    rules = book({"id": "spent", "rule": {"kind": "sum", "event": "LOBBY_ATTEMPT", "field": "spend",
                                          "threshold": 100}})

    entries = fold(rules, [lobby(spend=60.5, at=T0), lobby(spend=39.5, at=T0 + DAY)])

    assert entries["spent"]["value"] == 100
    assert reached_at(entries, "spent") == [T0 + DAY]


def test_distinct_counts_each_value_once() -> None:
    rules = book({"id": "read", "rule": {"kind": "distinct", "event": "BILL_VOTE",
                                         "field": "bill_id", "threshold": 3}})
    events = [vote(bill="a"), vote(bill="a"), vote(bill="b"), vote(bill="a"), vote(bill="c")]

    entries = fold(rules, events)

    assert entries["read"]["value"] == 3
    assert entries["read"]["reached"][0]["event_id"] == events[4]["_id"]


def test_distinct_stops_remembering_values_past_its_highest_threshold() -> None:
    rules = book({"id": "read", "rule": {"kind": "distinct", "event": "BILL_VOTE",
                                         "field": "bill_id", "threshold": 2}})

    entries = fold(rules, [vote(bill=f"b{i}") for i in range(10)])

    assert entries["read"]["seen"] == ["b0", "b1"]


@pytest.mark.parametrize(
    ("day_offsets", "completed_by"),
    [
        ([0, 1, 2], 2),
        ([0, 1, 3, 4, 5], 4),  # a gap starts the run again
        ([0, 0, 1, 1, 2], 4),  # several events a day are one day
        ([2, 0, 1], 2),  # a late event fills the gap: the run is complete at its arrival
        ([0, 1], None),
    ],
    ids=["consecutive", "gap", "same-day", "late-event", "too-short"],
)
def test_streak_needs_consecutive_utc_days(
    day_offsets: list[int], completed_by: int | None
) -> None:
    rules = book({"id": "regular", "rule": {"kind": "streak", "event": "BILL_VOTE", "days": 3}})
    events = [vote(at=T0 + d * DAY) for d in day_offsets]

    entries = fold(rules, events)

    expected = [] if completed_by is None else [events[completed_by]["_id"]]
    assert [m["event_id"] for m in entries["regular"].get("reached", [])] == expected


def test_streak_days_are_utc_days_whatever_the_clients_offset() -> None:
    rules = book({"id": "regular", "rule": {"kind": "streak", "event": "BILL_VOTE", "days": 2}})
    late_evening = T0.replace(hour=23, minute=30)  # 23:30 UTC on day 0
    next_morning = late_evening + timedelta(hours=1)  # 00:30 UTC on day 1

    entries = fold(rules, [vote(at=late_evening), vote(at=next_morning)])

    assert reached_at(entries, "regular") == [next_morning]


def test_tiers_unlock_one_by_one_at_the_event_that_reaches_each() -> None:
    rules = book({
        "id": "spender", "rule": {"kind": "sum", "event": "LOBBY_ATTEMPT", "field": "spend"},
        "tiers": [{"name": "bronze", "threshold": 100}, {"name": "silver", "threshold": 500},
                  {"name": "gold", "threshold": 1000}],
    })
    events = [lobby(spend=150, at=T0), lobby(spend=900, at=T0 + DAY),
              lobby(spend=5, at=T0 + 2 * DAY)]

    outcome = apply_events(rules, {}, events)

    assert [(u.tier, u.at) for u in outcome.unlocks] == [
        ("bronze", T0), ("silver", T0 + DAY), ("gold", T0 + DAY)]
    assert reached_at(outcome.changed, "spender") == [T0, T0 + DAY, T0 + DAY]


def test_an_achievement_unlocks_once_however_often_its_threshold_is_passed() -> None:
    rules = book({"id": "voter", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 1}})

    outcome = apply_events(rules, {}, [vote() for _ in range(5)])

    assert len(outcome.unlocks) == 1


def test_repeatable_unlocks_again_at_each_multiple_of_its_threshold() -> None:
    rules = book({"id": "persuader", "rule": {"kind": "counter", "event": "LOBBY_ATTEMPT",
                                              "threshold": 2}, "repeatable": True})
    events = [lobby(at=T0 + i * DAY) for i in range(5)]

    outcome = apply_events(rules, {}, events)

    assert [u.at for u in outcome.unlocks] == [T0 + DAY, T0 + 3 * DAY]
    entry = outcome.changed["persuader"]
    assert (entry["times"], entry["last"]["at"], reached_at(outcome.changed, "persuader")) == (
        2, T0 + 3 * DAY, [T0 + DAY])


def test_repeatable_sum_passing_two_multiples_at_once_unlocks_twice() -> None:
    rules = book({"id": "patron", "repeatable": True, "rule": {
        "kind": "sum", "event": "LOBBY_ATTEMPT", "field": "spend", "threshold": 100}})

    outcome = apply_events(rules, {}, [lobby(spend=250)])

    assert [u.count for u in outcome.unlocks] == [2]
    assert outcome.changed["patron"]["times"] == 2


@pytest.mark.parametrize("spends", [[1e308], [1e308, 1e308]], ids=["past-int64", "infinite"])
def test_a_repeatable_sum_counts_at_most_the_unlocks_mongodb_can_store(
    spends: list[float],
) -> None:
    rules = book({"id": "patron", "repeatable": True, "rule": {
        "kind": "sum", "event": "LOBBY_ATTEMPT", "field": "spend", "threshold": 100}})

    outcome = apply_events(rules, {}, [lobby(spend=s) for s in spends])

    assert outcome.changed["patron"]["times"] == INT64_MAX
    assert [u.count for u in outcome.unlocks] == [INT64_MAX]


def test_events_outside_the_window_do_not_count() -> None:
    rules = book({"id": "season", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 2},
                  "window": {"start": T0, "end": T0 + 10 * DAY}})
    events = [vote(at=T0 - DAY), vote(at=T0), vote(at=T0 + 10 * DAY), vote(at=T0 + 3 * DAY)]

    entries = fold(rules, events)

    assert entries["season"]["value"] == 2
    assert reached_at(entries, "season") == [T0 + 3 * DAY]


ALL_OF = (
    {"id": "first_vote", "rule": {"kind": "counter", "event": "BILL_VOTE", "threshold": 1}},
    {"id": "well_read", "rule": {"kind": "distinct", "event": "BILL_VOTE", "field": "bill_id",
                                 "threshold": 2}},
)


STATESMAN = {"id": "statesman",
             "rule": {"kind": "all_of", "achievements": ["first_vote", "well_read"]}}


def test_all_of_unlocks_when_its_last_part_does() -> None:
    rules = book(*ALL_OF, STATESMAN)
    events = [vote(bill="a", at=T0), vote(bill="b", at=T0 + DAY)]

    entries = fold(rules, events)

    assert reached_at(entries, "statesman") == [T0 + DAY]
    assert entries["statesman"]["reached"][0]["event_id"] == events[1]["_id"]


def test_all_of_of_all_of_unlocks_in_a_chain_whatever_the_file_order() -> None:
    rules = book(
        {"id": "grand", "rule": {"kind": "all_of", "achievements": ["statesman", "first_vote"]}},
        STATESMAN,
        *ALL_OF,
    )

    entries = fold(rules, [vote(bill="a", at=T0), vote(bill="b", at=T0 + DAY)])

    assert reached_at(entries, "grand") == [T0 + DAY]


def test_all_of_completed_outside_its_window_stays_locked() -> None:
    rules = book(*ALL_OF, {"id": "statesman", "window": {"end": T0},
                           "rule": {"kind": "all_of", "achievements": ["first_vote", "well_read"]}})

    entries = fold(rules, [vote(bill="a", at=T0 - DAY), vote(bill="b", at=T0 + DAY)])

    assert reached_at(entries, "statesman") == []


def test_events_of_other_types_and_players_without_rules_change_nothing() -> None:
    rules = book(*ALL_OF)

    outcome = apply_events(rules, {}, [stored("POLL_INTERVAL", poll_id="p", leading_candidate="x",
                                              margin=1.0, moe=1.0)])

    assert (outcome.changed, outcome.unlocks) == ({}, [])


def test_apply_events_changes_the_state_in_place_and_names_every_entry_it_changed() -> None:
    rules = book(*ALL_OF, {"id": "regular", "rule": {"kind": "streak", "event": "BILL_VOTE",
                                                     "days": 2}})
    votes = [vote(bill="a", at=T0), vote(bill="b", at=T0 + DAY), vote(bill="c", at=T0 + 2 * DAY)]
    state = fold(rules, votes[:1])
    before = copy.deepcopy(state)

    outcome = apply_events(rules, state, votes[1:])

    assert state == {**before, **outcome.changed} == fold(rules, votes)
    assert {aid for aid in state if state[aid] != before.get(aid)} == set(outcome.changed)


def test_folding_in_batches_equals_folding_at_once() -> None:
    rules = book(*ALL_OF, {"id": "regular", "rule": {"kind": "streak", "event": "BILL_VOTE",
                                                     "days": 2}})
    events = [vote(bill=f"b{i % 3}", at=T0 + (i // 2) * DAY) for i in range(9)]

    state: dict = {}
    for start in range(0, len(events), 2):
        state = {**state, **apply_events(rules, state, events[start:start + 2]).changed}

    assert state == fold(rules, events)


def test_recompute_replaces_the_counting_but_keeps_unlocks_already_granted() -> None:
    old_rules = book({"id": "voter", "rule": {"kind": "counter", "event": "BILL_VOTE",
                                              "threshold": 1}})
    new_rules = book({"id": "voter", "rule": {"kind": "counter", "event": "BILL_VOTE",
                                              "where": {"stance": "nay"}, "threshold": 1}})
    events = [vote(stance="yea", at=T0)]
    state = fold(old_rules, events)

    entries = recompute(new_rules, state, events, ["voter"])

    assert entries["voter"].get("value", 0) == 0
    assert reached_at(entries, "voter") == [T0]
