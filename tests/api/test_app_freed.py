"""A stopped app is freed: once its lifespan has ended, nothing of Questlog keeps the
app, its Questlog or its store alive (FastAPI's own cache of the endpoints it saw aside,
which conftest's `apps_let_go` clears after each test). A process that makes one app
after another (a test suite, a service embedding Questlog) would otherwise grow with
every app, and its collector would stall it for seconds."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import httpx
from conftest import ADMIN_KEY, INGEST_KEY, bill_vote, forget_endpoints

from questlog.api.app import create_app
from questlog.settings import Settings


async def test_a_stopped_app_and_its_questlog_are_freed(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        questlog = weakref.ref(app.state.questlog)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://questlog") as client:
            stored = await client.post("/api/v1/events", json=bill_vote(),
                                       headers={"Authorization": f"Bearer {INGEST_KEY}"})
            read = await client.get("/api/v1/stats", params={"type": "BILL_VOTE"},
                                    headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert (stored.status_code, read.status_code) == (202, 200), read.text
    freed: list[weakref.ref[Any]] = [weakref.ref(app), questlog]
    del app, transport, client, stored, read
    forget_endpoints()
    gc.collect()
    assert [ref() for ref in freed] == [None, None]
