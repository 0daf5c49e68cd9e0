"""Whatever the order of batches, closes and late events, the stored summary equals a
recomputation from the stored events."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sessions_http import T0

from questlog.bootstrap import Questlog
from questlog.sessions.features import features, header, ordered

KINDS = ["task_start", "task_complete", "retry", "failure", "recovery", "distraction",
         "collaboration", "AttemptSubmitted"]

event_specs = st.tuples(st.sampled_from(KINDS), st.integers(0, 3000), st.integers(0, 2),
                        st.integers(1, 3), st.booleans())
operations = st.lists(
    st.one_of(st.tuples(st.just("events"), st.lists(event_specs, min_size=1, max_size=5)),
              st.tuples(st.just("close"), st.just([]))),
    min_size=1, max_size=6,
)


def build(session: str, spec: tuple[str, int, int, int, bool], n: int) -> dict[str, Any]:
    kind, seconds, key, number, success = spec
    event: dict[str, Any] = {
        "type": kind, "event_id": f"{session}-{n}", "session_id": session, "user_id": "p",
        "occurred_at": (T0 + timedelta(seconds=seconds)).isoformat(),
    }
    if kind.startswith("task_"):
        event["task_id"] = f"t{key}"
    if kind == "AttemptSubmitted":
        event.update(company_id="c", sequence=key, attempt_number=number, success=success)
    return event


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations)
async def test_the_summary_always_equals_a_recomputation(
    questlog: Questlog, ops: list[tuple[str, list[Any]]]
) -> None:
    session, n, closed = uuid.uuid4().hex, 0, False
    for op, specs in ops:
        if op == "events":
            batch = [build(session, spec, n + i) for i, spec in enumerate(specs)]
            n += len(batch)
            result = await questlog.ingestor.ingest(batch)
            assert result.accepted == len(batch)
            await questlog.sessions.settle(questlog.bus)
        elif n:
            await questlog.sessions.service.close(session)
            closed = True
    stored = await questlog.sessions.service.get(session)
    if not n:
        assert stored is None
        return
    events = ordered(await questlog.store.database["events"].find({"session_id": session})
                     .to_list(None))
    expected = header(events)
    assert {k: stored[k] for k in expected} == expected
    assert stored["status"] == ("closed" if closed else "open")
    assert stored["features"] == (features(events) if closed else None)
