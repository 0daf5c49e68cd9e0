"""`questlog serve` as a process of its own, for the tests that need a real connection."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from questlog.bench.server import free_port


@contextmanager
def serve_process(cwd: Path, **settings: str) -> Iterator[int]:
    """`questlog serve` with no QUESTLOG_* settings but `settings`, run in `cwd` and
    logging to cwd/serve.log, until the block ends: its port, once it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUESTLOG_")}
    env.update(settings)
    log_path = cwd / "serve.log"
    with log_path.open("wb") as log:
        serve = subprocess.Popen(
            [sys.executable, "-m", "questlog.cli", "serve", "--port", str(port)],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
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
            yield port
        finally:
            serve.terminate()
            serve.wait(30)
