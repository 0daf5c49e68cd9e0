"""kill -9 of the store: writes and reads answer 503 store_unavailable with Retry-After
within their deadlines, and every event acknowledged before the kill is still stored.

Starts a secantusd-rs of its own (the test kills it), on a data directory of its own.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pymongo
import pytest
from conftest import ADMIN_KEY, API_KEYS, INGEST_KEY, READ_KEY, bill_vote
from events_http import EVENTS, data_of, error_of, post_batch

from questlog.api.app import create_app
from questlog.settings import Settings

pytestmark = pytest.mark.mongodb

LISTENING = re.compile(r"listening on (\S+):(\d+)")


def server_binary() -> str:
    found = shutil.which("secantusd-rs", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("secantusd-rs is not installed: make .venv/.installed installs it")
    return found


@contextmanager
def own_server(data: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A secantusd-rs on `data` and a free port; (process, mongodb:// URL)."""
    log = data.parent / f"{data.name}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [server_binary(), "--port", "0", "--storage-path", str(data), "--sync-on-commit"],
            stdout=out, stderr=subprocess.STDOUT, text=True,
        )
    try:
        # A start after kill -9 takes secantusd-rs about 20 s (recovery), an empty one ~0.1 s.
        deadline = time.monotonic() + 90
        while not (found := LISTENING.search(log.read_text())):
            assert process.poll() is None, f"secantusd-rs exited: {log.read_text()}"
            assert time.monotonic() < deadline, f"secantusd-rs did not listen: {log.read_text()}"
            time.sleep(0.05)
        yield process, f"mongodb://{found.group(1)}:{found.group(2)}"
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(10)


def client(app: object, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://questlog",
                             headers={"Authorization": f"Bearer {key}"})


async def test_a_killed_store_is_answered_with_503_and_loses_nothing_acknowledged(
    tmp_path: Path,
) -> None:
    data = tmp_path / "db"
    with own_server(data) as (process, url):
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            mongodb_url=url, database="killed", api_keys=API_KEYS, scheduler_enabled=False,
            write_deadline_seconds=1.0, read_deadline_seconds=1.0, env="development",
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app), client(app, INGEST_KEY) as ingest, \
                client(app, READ_KEY) as read, client(app, ADMIN_KEY) as admin:
            answer = data_of(await post_batch(ingest, [bill_vote(user_id=f"p{n}")
                                                       for n in range(50)]))
            acknowledged = set(answer["event_ids"])
            assert len(acknowledged) == 50

            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)

            for response in (await ingest.post(EVENTS, json=bill_vote()),
                             await post_batch(ingest, [bill_vote(), bill_vote()]),
                             await read.get(EVENTS),
                             await admin.get("/api/v1/events/rejected")):
                error_of(response, 503, "store_unavailable")
                assert response.headers["retry-after"] == "5"
            health = await ingest.get("/api/v1/health")
            error_of(health, 503, "store_unavailable")
            assert health.headers["retry-after"] == "5"

    with own_server(data) as (_, url), pymongo.MongoClient(url) as mongodb:
        stored = {d["_id"] for d in mongodb["killed"]["events"].find({}, {"_id": 1})}
    assert stored == acknowledged
