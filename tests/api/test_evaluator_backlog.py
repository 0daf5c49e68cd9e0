"""The service answers while the achievement evaluator works through a backlog.

On the memory store a query filters and sorts the whole collection in Python: with the
evaluator catching up on thousands of events, /health and every other request once
waited for seconds behind it. The assertion is an ordering, not a timing: /health,
asked once the evaluator has begun, answers before its first batch is applied.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from achievements_http import with_definitions

from questlog.bench.achievements import stored_events
from questlog.bootstrap import Questlog
from questlog.settings import Settings
from questlog.store.documents import StoredEvent

BACKLOG = 10_000


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    # Started by the test once the backlog is stored, as a process started after an outage.
    return with_definitions(settings, tmp_path).model_copy(update={"achievements_evaluator": False})


async def test_health_answers_while_the_evaluator_has_a_backlog_pending(
    anonymous_client: httpx.AsyncClient, questlog: Questlog
) -> None:
    events = StoredEvent.get_motor_collection()
    await events.insert_many(list(stored_events(BACKLOG, now=datetime.now(UTC))))
    evaluator = questlog.achievements.evaluator
    await evaluator.start()
    try:
        await asyncio.sleep(0)  # the evaluator's catch-up begins
        response = await anonymous_client.get("/api/v1/health")
        evaluated_by_then = evaluator.stats.evaluated
        lag = await evaluator.lag()
    finally:
        await evaluator.stop()

    assert response.status_code == 200
    assert evaluated_by_then == 0
    assert lag.pending > 0
