"""The session features against a plain recomputation from the issue's definitions, and
seed 000's eight features against a hand calculation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questlog.sessions.features import (
    company_conflict,
    features,
    header,
    header_of_groups,
    ordered,
    skill_features,
)

T0 = datetime(2026, 11, 20, 12, tzinfo=UTC)
SKILL_TYPES = ["task_start", "task_complete", "retry", "restart", "failure", "recovery",
               "success_after_failure", "distraction", "collaboration", "leadership",
               "choice_made", "pause"]


def event(n: int, event_type: str, seconds: float, **fields: Any) -> dict[str, Any]:
    return {"_id": f"e{n:04d}", "type": event_type, "event_time": T0 + timedelta(seconds=seconds),
            **fields}


@st.composite
def skill_sessions(draw: st.DrawFn) -> list[dict[str, Any]]:
    size = draw(st.integers(1, 30))
    events = []
    for n in range(size):
        kind = draw(st.sampled_from(SKILL_TYPES))
        fields: dict[str, Any] = {}
        if kind in ("task_start", "task_complete"):
            fields["task_id"] = draw(st.sampled_from(["a", "b", "c"]))
            fields["expected_duration_s"] = draw(st.none() | st.integers(0, 600).map(float))
        if kind == "task_complete":
            fields["duration_s"] = draw(st.none() | st.integers(0, 600).map(float))
        events.append(event(n, kind, draw(st.integers(0, 3600)), **fields))
    return ordered(events)


def plain(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The eight features read straight off the issue, one loop each."""
    times = sorted(e["event_time"] for e in events)

    def count(*kinds: str) -> int:
        return len([e for e in events if e["type"] in kinds])

    started = {e["task_id"] for e in events if e["type"] == "task_start"}
    completed = {e["task_id"] for e in events if e["type"] == "task_complete"}
    ratios = []
    for task in completed:
        done = next(e for e in events if e["type"] == "task_complete" and e["task_id"] == task)
        start = next((e for e in events if e["type"] == "task_start" and e["task_id"] == task),
                     None)
        expected = done["expected_duration_s"]
        if expected is None and start:
            expected = start["expected_duration_s"]
        actual = done["duration_s"]
        if actual is None and start:
            actual = (done["event_time"] - start["event_time"]).total_seconds()
        if expected is not None and actual is not None and actual > 0:
            ratios.append(expected / actual)
    failures = count("failure")
    return {
        "task_completion_rate": len(started & completed) / len(started) if started else None,
        "time_efficiency": sum(ratios) / len(ratios) if ratios else None,
        "retry_count": count("retry", "restart"),
        "recovery_rate": (min(1, count("recovery", "success_after_failure") / failures)
                          if failures else None),
        "distraction_resistance": 1 - count("distraction") / len(events),
        "focus_duration": (times[-1] - times[0]).total_seconds() / 60,
        "collaboration_indicators": count("collaboration"),
        "leadership_indicators": count("leadership"),
    }


@settings(max_examples=300, deadline=None)
@given(skill_sessions())
def test_the_eight_features_equal_a_plain_recomputation(events: list[dict[str, Any]]) -> None:
    computed, expected = skill_features(events), plain(events)
    assert computed.keys() == expected.keys()
    for name, value in expected.items():
        assert computed[name] == pytest.approx(value), name


@settings(max_examples=100, deadline=None)
@given(skill_sessions(), st.randoms(use_true_random=False))
def test_the_features_do_not_depend_on_the_order_events_arrive_in(
    events: list[dict[str, Any]], rng: Any
) -> None:
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert features(ordered(shuffled)) == features(events)


def test_seed_000s_eight_features_match_a_hand_calculation() -> None:
    events = ordered([
        event(1, "mission_start", 0, mission_id="m"),
        event(2, "task_start", 0, task_id="t1", expected_duration_s=120.0),
        event(3, "task_start", 30, task_id="t2"),
        event(4, "task_start", 40, task_id="t3"),
        event(5, "failure", 60),
        event(6, "retry", 70),
        event(7, "task_complete", 180, task_id="t1"),                    # 120 s expected, 180 s
        event(8, "task_complete", 190, task_id="t2", expected_duration_s=100.0,
              duration_s=50.0),                                           # 100 s expected, 50 s
        event(9, "recovery", 200),
        event(10, "distraction", 300),
        event(11, "restart", 400),
        event(12, "collaboration", 500),
        event(13, "collaboration", 600),
        event(14, "leadership", 700),
        event(15, "failure", 800),
        event(16, "mission_complete", 900, mission_id="m"),
    ])
    assert features(events) == {
        "duration_s": 900.0,
        "event_count": 16,
        "task_completion_rate": 2 / 3,            # t1, t2 of t1, t2, t3
        "time_efficiency": (120 / 180 + 100 / 50) / 2,
        "retry_count": 2,                         # one retry, one restart
        "recovery_rate": 0.5,                     # one recovery over two failures
        "distraction_resistance": 1 - 1 / 16,
        "focus_duration": 15.0,
        "collaboration_indicators": 2,
        "leadership_indicators": 1,
    }


def test_rates_without_a_denominator_are_null_never_zero() -> None:
    computed = skill_features([event(1, "choice_made", 0)])
    assert computed["task_completion_rate"] is None
    assert computed["time_efficiency"] is None
    assert computed["recovery_rate"] is None


def test_recovery_rate_is_capped_at_one() -> None:
    events = ordered([event(1, "failure", 0), event(2, "recovery", 1),
                      event(3, "success_after_failure", 2)])
    assert skill_features(events)["recovery_rate"] == 1.0


def test_a_task_with_an_actual_of_zero_is_left_out_of_time_efficiency() -> None:
    events = ordered([
        event(1, "task_start", 0, task_id="a", expected_duration_s=10.0),
        event(2, "task_complete", 0, task_id="a"),
        event(3, "task_start", 0, task_id="b", expected_duration_s=10.0),
        event(4, "task_complete", 20, task_id="b"),
    ])
    assert skill_features(events)["time_efficiency"] == 0.5


def test_gameplay_sessions_count_deaths_and_crashes() -> None:
    events = ordered([event(1, "session_start", 0), event(2, "death", 5),
                      event(3, "death", 6), event(4, "session_crash", 9)])
    assert features(events) == {"duration_s": 9.0, "event_count": 4, "deaths": 2, "crashes": 1}


def test_attempts_of_two_companies_are_a_conflict() -> None:
    attempts = [
        event(1, "AttemptSubmitted", 0, company_id="c_2", sequence=0, attempt_number=1,
              success=True),
        event(2, "AttemptSubmitted", 1, company_id="c_1", sequence=1, attempt_number=1,
              success=True),
    ]
    assert company_conflict(attempts) == {"code": "mixed_company", "company_ids": ["c_1", "c_2"]}
    assert company_conflict(attempts[:1]) is None


@st.composite
def mixed_sessions(draw: st.DrawFn) -> list[dict[str, Any]]:
    events = []
    for n in range(draw(st.integers(1, 20))):
        kind = draw(st.sampled_from(["choice_made", "AttemptSubmitted", "death", "retry"]))
        fields: dict[str, Any] = {}
        for name, pool in (("user_id", ["u1", "u2"]), ("company_id", ["c1", "c2"])):
            value = draw(st.none() | st.sampled_from(pool))
            if value is not None:
                fields[name] = value
        events.append(event(n, kind, draw(st.integers(0, 50)), **fields))
    return ordered(events)


def server_groups(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the session's $group by (type, user, company) answers, events ordered."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for e in events:
        key = {"t": e["type"], "u": e.get("user_id"), "c": e.get("company_id")}
        row = rows.setdefault(tuple(key.values()), {
            "_id": {k: v for k, v in key.items() if v is not None}, "n": 0,
            "first": e["event_time"], "first_id": e["_id"], "last": e["event_time"],
        })
        row["n"] += 1
        row["last"] = max(row["last"], e["event_time"])
    return list(rows.values())


@settings(max_examples=200, deadline=None)
@given(mixed_sessions())
def test_the_open_header_from_server_groups_equals_the_one_from_the_events(
    events: list[dict[str, Any]],
) -> None:
    assert header_of_groups(server_groups(events)) == header(events)
