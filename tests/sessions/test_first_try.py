"""Seed 004's first-try metrics against a plain recomputation and a hand calculation."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questlog.sessions.first_try import earth_metrics


def attempt(sequence: int, number: int, success: bool) -> dict[str, Any]:
    return {"sequence": sequence, "attempt_number": number, "success": success}


attempts = st.lists(
    st.builds(attempt, st.integers(0, 4), st.integers(1, 4), st.booleans()), min_size=1,
    max_size=25,
)


def plain(rows: list[dict[str, Any]]) -> dict[str, Any]:
    sequences = sorted({r["sequence"] for r in rows})
    first_try, burdens, unsolved = 0, [], False
    for s in sequences:
        mine = [r for r in rows if r["sequence"] == s]
        wins = sorted(r["attempt_number"] for r in mine if r["success"])
        if any(r["attempt_number"] == 1 and r["success"] for r in mine):
            first_try += 1
        if wins:
            burdens.append(wins[0])
        else:
            unsolved = True
            burdens.append(max(r["attempt_number"] for r in mine))
    strict = first_try == len(sequences)
    return {
        "sequences": len(sequences),
        "fta_level": first_try / len(sequences),
        "fta_strict": strict,
        "repetition_burden": sum(burdens) / len(burdens),
        "earth_score_bucket": 10 if strict else (0 if unsolved else 5),
    }


@settings(max_examples=300, deadline=None)
@given(attempts)
def test_first_try_metrics_equal_a_plain_recomputation(rows: list[dict[str, Any]]) -> None:
    computed, expected = earth_metrics(rows), plain(rows)
    assert computed.keys() == expected.keys()
    for name, value in expected.items():
        assert computed[name] == pytest.approx(value), name


def test_a_hand_calculated_session() -> None:
    rows = [
        attempt(0, 1, True),                                          # first try
        attempt(1, 1, False), attempt(1, 2, True),                    # second try
        attempt(2, 1, False), attempt(2, 2, False), attempt(2, 3, False),  # never solved
    ]
    assert earth_metrics(rows) == {
        "sequences": 3, "fta_level": 1 / 3, "fta_strict": False,
        "repetition_burden": (1 + 2 + 3) / 3, "earth_score_bucket": 0,
    }


def test_every_sequence_first_try_is_strict_and_scores_ten() -> None:
    metrics = earth_metrics([attempt(0, 1, True), attempt(1, 1, True)])
    assert (metrics["fta_strict"], metrics["earth_score_bucket"]) == (True, 10)
    assert metrics["repetition_burden"] == 1.0


def test_all_solved_with_retries_scores_five() -> None:
    assert earth_metrics([attempt(0, 1, False), attempt(0, 2, True)])["earth_score_bucket"] == 5
