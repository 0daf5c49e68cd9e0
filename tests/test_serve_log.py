"""What `questlog serve` logs per request: nothing unless QUESTLOG_ACCESS_LOG is on."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from questlog.bench.server import free_port

REQUEST_LINE = '"GET /api/v1/health HTTP/1.1" 200'


def serve_and_ask(tmp_path: Path, **settings: str) -> str:
    """Start `questlog serve` on the memory store, ask /api/v1/health, stop: its log."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUESTLOG_")}
    env.update(QUESTLOG_MONGODB_URL="memory", QUESTLOG_SCHEDULER_ENABLED="false", **settings)
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        serve = subprocess.Popen(
            [sys.executable, "-m", "questlog.cli", "serve", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert serve.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
        finally:
            serve.terminate()
            serve.wait(30)
    return log_path.read_text()


def test_serve_logs_no_line_per_request_by_default(tmp_path: Path) -> None:
    logged = serve_and_ask(tmp_path)

    assert "Uvicorn running on" in logged
    assert REQUEST_LINE not in logged


def test_serve_logs_each_request_when_the_access_log_is_on(tmp_path: Path) -> None:
    logged = serve_and_ask(tmp_path, QUESTLOG_ACCESS_LOG="true")

    assert REQUEST_LINE in logged
