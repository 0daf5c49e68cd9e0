"""Session features, computed from a session's stored events. Pure.

Times are event times (the corrected occurred_at). A rate without a denominator is
None, never 0. Events are the stored documents (flat: envelope, server fields and the
type's fields); `ordered` puts them in the order every function here reads them in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from questlog.events import EVENT_MODELS
from questlog.sessions.first_try import earth_metrics

Event = dict[str, Any]

CATALOG_OF: dict[str, str] = {m.tag().partition("@")[0]: m.catalog for m in EVENT_MODELS}
# Events that end their session (gameplay; test sessions).
ENDING_TYPES = frozenset({"session_end", "session_crash", "SESSION_SUBMITTED", "SESSION_EXPIRED"})


def ordered(events: Iterable[Event]) -> list[Event]:
    """In event time, ties broken by event_id: the same events always read the same."""
    return sorted(events, key=lambda e: (e["event_time"], str(e["_id"])))


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def header(events: Sequence[Event]) -> dict[str, Any]:
    """What a session holds open or closed, and its conflict; `events` ordered, not empty."""
    users = [e["user_id"] for e in events if e.get("user_id") is not None]
    companies = [e["company_id"] for e in events if e.get("company_id") is not None]
    return {
        "user_id": users[0] if users else None,
        "company_id": companies[0] if companies else None,
        "company_ids": sorted(set(companies)),
        "catalogs": sorted({CATALOG_OF.get(e["type"], "unknown") for e in events}),
        "started_at": events[0]["event_time"],
        "last_event_at": events[-1]["event_time"],
        "event_count": len(events),
        "events_by_type": dict(sorted(Counter(e["type"] for e in events).items())),
        "conflict": company_conflict(events),
    }


def header_of_groups(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The same header (and conflict) from the server's groups of a session's events by
    (type, user, company), each `{_id: {t, u, c}, n, first, last, first_id}` with `first`
    and `first_id` the time and id of its earliest event. Open sessions are summarized
    this way, without reading their events back."""
    def first_of(key: str) -> Any:
        named = [r for r in rows if r["_id"].get(key) is not None]
        return min(named, key=lambda r: (r["first"], str(r["first_id"])))["_id"][key] \
            if named else None

    counts: Counter[str] = Counter()
    for r in rows:
        counts[r["_id"]["t"]] += r["n"]
    return {
        "user_id": first_of("u"),
        "company_id": first_of("c"),
        "company_ids": sorted({r["_id"]["c"] for r in rows if r["_id"].get("c") is not None}),
        "catalogs": sorted({CATALOG_OF.get(t, "unknown") for t in counts}),
        "started_at": min(r["first"] for r in rows),
        "last_event_at": max(r["last"] for r in rows),
        "event_count": sum(counts.values()),
        "events_by_type": dict(sorted(counts.items())),
        "conflict": company_conflict(
            {"type": r["_id"]["t"], "company_id": r["_id"].get("c")} for r in rows
        ),
    }


def ends(events: Iterable[Event]) -> bool:
    return any(e["type"] in ENDING_TYPES for e in events)


def seconds(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()


def generic(events: Sequence[Event]) -> dict[str, Any]:
    return {
        "duration_s": seconds(events[-1]["event_time"], events[0]["event_time"]),
        "event_count": len(events),
    }


def skill_features(events: Sequence[Event]) -> dict[str, Any]:
    """Seed 000's eight behavioural features."""
    counts = Counter(e["type"] for e in events)
    starts: dict[str, Event] = {}
    completes: dict[str, Event] = {}
    for e in events:  # the first start and the first completion of each task
        if e["type"] == "task_start" and e.get("task_id") is not None:
            starts.setdefault(e["task_id"], e)
        elif e["type"] == "task_complete" and e.get("task_id") is not None:
            completes.setdefault(e["task_id"], e)
    return {
        "task_completion_rate": ratio(len(starts.keys() & completes.keys()), len(starts)),
        "time_efficiency": _time_efficiency(starts, completes),
        "retry_count": counts["retry"] + counts["restart"],
        "recovery_rate": _capped(
            ratio(counts["recovery"] + counts["success_after_failure"], counts["failure"])
        ),
        "distraction_resistance": 1 - counts["distraction"] / len(events),
        "focus_duration": seconds(events[-1]["event_time"], events[0]["event_time"]) / 60,
        "collaboration_indicators": counts["collaboration"],
        "leadership_indicators": counts["leadership"],
    }


def _capped(value: float | None) -> float | None:
    return None if value is None else min(1.0, value)


def _time_efficiency(starts: dict[str, Event], completes: dict[str, Event]) -> float | None:
    """Mean of expected ÷ actual seconds over the completed tasks that have both."""
    ratios = []
    for task_id, done in completes.items():
        start = starts.get(task_id)
        expected = done.get("expected_duration_s")
        if expected is None and start is not None:
            expected = start.get("expected_duration_s")
        actual = done.get("duration_s")
        if actual is None and start is not None:
            actual = seconds(done["event_time"], start["event_time"])
        # An actual of 0 (or a completion stamped before its start) has no ratio.
        if expected is not None and actual is not None and actual > 0:
            ratios.append(expected / actual)
    return sum(ratios) / len(ratios) if ratios else None


def exam_features(events: Sequence[Event]) -> dict[str, Any]:
    """Seed 001's test sessions: distinct questions viewed, answers changed, window blurs."""
    viewed = {e.get("question_id") for e in events if e["type"] == "QUESTION_VIEWED"}
    blurs = [
        e for e in events
        if e["type"] == "PAUSE_BLUR" and (e.get("payload") or {}).get("state", "blur") == "blur"
    ]
    return {
        "questions_viewed": len(viewed),
        "answers_changed": sum(1 for e in events if e["type"] == "ANSWER_CHANGED"),
        "blur_count": len(blurs),
    }


def gameplay_features(events: Sequence[Event]) -> dict[str, Any]:
    counts = Counter(e["type"] for e in events)
    return {"deaths": counts["death"], "crashes": counts["session_crash"]}


def features(events: Sequence[Event]) -> dict[str, Any]:
    """Every feature of a closed session; `events` ordered and not empty."""
    catalogs = {CATALOG_OF.get(e["type"]) for e in events}
    out = generic(events)
    if "skills" in catalogs:
        out.update(skill_features(events))
    if "earth" in catalogs:
        out.update(earth_metrics([e for e in events if e["type"] == "AttemptSubmitted"]))
    if "exam_sessions" in catalogs:
        out.update(exam_features(events))
    if "gameplay" in catalogs:
        out.update(gameplay_features(events))
    return out


def company_conflict(events: Iterable[Event]) -> dict[str, Any] | None:
    """Seed 004's rule: every attempt of a session names one company."""
    companies = sorted({
        e["company_id"] for e in events
        if e["type"] == "AttemptSubmitted" and e.get("company_id") is not None
    })
    if len(companies) > 1:
        return {"code": "mixed_company", "company_ids": companies}
    return None
