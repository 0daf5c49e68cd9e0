"""QuestlogClient against the real app, served by uvicorn on 127.0.0.1 in a background thread."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from conftest import INGEST_KEY, READ_KEY, bill_vote, empty_database

from questlog.api.app import create_app
from questlog.client import QuestlogClient
from questlog.settings import Settings


@pytest.fixture
def server_url(settings: Settings) -> Iterator[str]:
    """The app on the test store, on a free port, for as long as the test runs."""
    empty_database(settings)
    server = uvicorn.Server(uvicorn.Config(
        create_app(settings), log_level="warning", ws="none", lifespan="on",
    ))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.started, "uvicorn did not start"
        try:
            yield f"http://127.0.0.1:{sock.getsockname()[1]}"
        finally:
            server.should_exit = True
            thread.join(10)


# The shared CI machines can stall a request for seconds; these tests are about what is
# stored, so they wait longer than the client's defaults before calling it lost.
PATIENCE_SECONDS = 60.0


def stored(url: str, **filters: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/api/v1/events", params={"page_size": 1000, **filters},
                         headers={"Authorization": f"Bearer {READ_KEY}"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["data"]
    return items


class LosesFirstAnswer(httpx.BaseTransport):
    """Delivers the first request, then loses the server's answer, as a dropped connection would."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self._lost = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if self._lost:
            return response
        self._lost = True
        response.read()
        response.close()
        raise httpx.ReadTimeout("the answer was lost", request=request)

    def close(self) -> None:
        self._inner.close()


def test_events_sent_through_the_client_are_stored_and_read_back(server_url: str) -> None:
    with QuestlogClient(server_url, INGEST_KEY, batch_size=2,
                        timeout=PATIENCE_SECONDS) as client:
        for n in range(5):
            assert client.track(bill_vote(user_id=f"player-{n}", bill_id="bill-e2e"))
        assert client.track(bill_vote(user_id="player-9", stance="maybe"))  # invalid
        assert client.flush(PATIENCE_SECONDS)
        stats = client.stats
    assert (stats.sent, stats.accepted, stats.rejected, stats.dropped) == (6, 5, 1, 0)
    items = stored(server_url, type="BILL_VOTE")
    assert sorted(item["user_id"] for item in items) == [f"player-{n}" for n in range(5)]
    assert sorted(item["seq"] for item in items) == [0, 1, 2, 3, 4]


def test_a_batch_whose_answer_was_lost_is_stored_once(server_url: str) -> None:
    client = QuestlogClient(server_url, INGEST_KEY, transport=LosesFirstAnswer(),
                            sleep=lambda seconds: None, fetch_policy=False,
                            timeout=PATIENCE_SECONDS)
    for n in range(3):
        client.track(bill_vote(user_id=f"player-{n}"))
    assert client.close(PATIENCE_SECONDS)
    stats = client.stats
    assert (stats.sent, stats.accepted, stats.duplicates, stats.retries) == (3, 0, 3, 1)
    assert len(stored(server_url)) == 3


def test_a_wrong_key_drops_the_batch_without_retrying(server_url: str) -> None:
    client = QuestlogClient(server_url, "not-a-key", sleep=lambda seconds: None,
                            timeout=PATIENCE_SECONDS)
    client.track(bill_vote())
    assert client.close(PATIENCE_SECONDS)
    stats = client.stats
    assert (stats.sent, stats.dropped, stats.failed_batches, stats.retries) == (0, 1, 1, 0)


def test_queued_events_are_sent_when_the_program_exits(server_url: str) -> None:
    program = textwrap.dedent(f"""
        from questlog.client import QuestlogClient
        client = QuestlogClient({server_url!r}, {INGEST_KEY!r}, flush_interval=3600)
        client.track("BILL_VOTE", user_id="exiting-player", bill_id="b-1", stance="nay",
                     seat_weight=1.0, lobby_payments_count=0)
        # no flush, no close: the client's atexit hook sends it
    """)
    subprocess.run([sys.executable, "-c", program], check=True, timeout=30)
    assert [item["user_id"] for item in stored(server_url)] == ["exiting-player"]
