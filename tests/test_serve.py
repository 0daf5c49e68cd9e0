"""`questlog serve` on a real connection: its request log, and answers sent whole or,
streamed, as they are produced."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from conftest import bill_vote
from serve_process import serve_process

KEY = "serve-test-key"
REQUEST_LINE = '"GET /api/v1/health HTTP/1.1" 200'


@contextmanager
def serving(tmp_path: Path, **settings: str) -> Iterator[str]:
    """`questlog serve` on the memory store until the block ends: its URL."""
    with serve_process(
        tmp_path, QUESTLOG_MONGODB_URL="memory", QUESTLOG_SCHEDULER_ENABLED="false",
        QUESTLOG_API_KEYS=f"{KEY}:ingest,read", QUESTLOG_ENV="development", **settings,
    ) as port:
        yield f"http://127.0.0.1:{port}"


def test_serve_logs_no_line_per_request_by_default(tmp_path: Path) -> None:
    with serving(tmp_path):
        pass

    logged = (tmp_path / "serve.log").read_text()
    assert "Uvicorn running on" in logged
    assert REQUEST_LINE not in logged


def test_serve_logs_each_request_when_the_access_log_is_on(tmp_path: Path) -> None:
    with serving(tmp_path, QUESTLOG_ACCESS_LOG="true"):
        pass

    assert REQUEST_LINE in (tmp_path / "serve.log").read_text()


def test_answers_on_one_connection_each_arrive_whole(tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    with serving(tmp_path) as url, httpx.Client(base_url=url, headers=headers) as client:
        answers = [client.post("/api/v1/events", json=bill_vote(event_id=f"e{i}", session_id="s"))
                   for i in range(3)]
        refused = client.post("/api/v1/events", json={"type": "BILL_VOTE"})

    assert [a.status_code for a in answers] == [202, 202, 202]
    assert [a.json()["data"]["accepted"] for a in answers] == [1, 1, 1]
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_event")


def test_a_streamed_answer_arrives_as_it_is_produced(tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    with (serving(tmp_path) as url, httpx.Client(base_url=url, headers=headers) as client,
          client.stream("GET", "/api/v1/events/stream", timeout=10) as stream):
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "event: ready"
        client.post("/api/v1/events", json=bill_vote(event_id="live-1"))
        seen = [next(lines) for _ in range(4)]

    assert "event: event" in seen
    assert any("live-1" in line for line in seen)
