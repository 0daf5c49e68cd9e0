"""A Questlog server of the benchmark's own: `questlog serve` in a subprocess on a free port.

A subprocess, not a task in the benchmark's event loop, so that the client's work of
building and sending requests is not charged to the server it measures.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

import httpx

from questlog.settings import Settings
from questlog.store.connection import Connection, connect, connect_configured, server_options

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class BenchServer:
    url: str
    key: str
    store: str  # what it stores into, for the printed figures
    pid: int = 0  # the server process, whose memory a benchmark may watch


T = TypeVar("T")


async def on_store(url: str | None, work: Callable[[Connection], Awaitable[T]]) -> T:
    """`work` on the configured store, or on the one `url` names (a --mongodb-url)."""
    connection = connect_configured(Settings(), url)
    try:
        return await work(connection)
    finally:
        connection.close()


async def on_new_local_store(settings: Settings, work: Callable[[Connection], Awaitable[T]]) -> T:
    """`work` on a local server of its own, started in a new data dir under the configured
    one, then stopped and the dir removed.

    A secantusd-rs process slows down with the databases created and dropped during its
    life, which is what the benchmarks do: after 60 of them its `insert_one` took 1.0-2.3
    ms at p50 against 0.4 before, until a restart (docs/performance-history.md, "The local store's
    log, and a new store for each report"). A report on a new server measures the same
    store every time."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-", dir=settings.data_dir) as data_dir:
        connection = connect(None, data_dir=Path(data_dir), options=server_options(settings))
        try:
            return await work(connection)
        finally:
            connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def own_server(
    connection: Connection, *, evaluator: bool = False, achievements_file: str | None = None,
    database: str | None = None,
) -> AsyncIterator[BenchServer]:
    """Serve on 127.0.0.1 until the block ends, on the store of `connection` (the memory
    store: one of the server's own), in a scratch database dropped afterwards, or in
    `database`, which the caller drops (two servers in turn on the same data).

    By default the server ingests and nothing else: the scheduler, the achievements
    evaluator and the sessions worker, which a deployment may run in processes of their
    own, are off, so the figures are those of the write path. `evaluator` turns the
    evaluator on (with the definitions of `achievements_file`), for the end-to-end
    figures. The key has the ingest and read scopes.
    """
    port, key = free_port(), secrets.token_urlsafe(16)
    scratch = database is None
    database = database or scratch_database()
    env = dict(os.environ)
    env.update(QUESTLOG_API_KEYS=f"{key}:ingest,read", QUESTLOG_DATABASE=database,
               QUESTLOG_SCHEDULER_ENABLED="false",
               QUESTLOG_ACHIEVEMENTS_EVALUATOR=str(evaluator).lower(),
               QUESTLOG_MONGODB_URL=connection.url,
               # The benchmark floods on purpose, into a scratch database of its own.
               QUESTLOG_RATE_LIMITS_ENABLED="false", QUESTLOG_SESSIONS_WORKER="false")
    if achievements_file:
        env["QUESTLOG_ACHIEVEMENTS_FILE"] = achievements_file
    env.setdefault("QUESTLOG_ENV", "development")
    command = [sys.executable, "-m", "questlog.cli", "serve", "--host", "127.0.0.1",
               "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            await _wait_until_healthy(url, process, log)
            yield BenchServer(url=url, key=key, store=connection.where, pid=process.pid)
        finally:
            _stop(process)
            if scratch:
                await connection.client.drop_database(database)


def scratch_database() -> str:
    return f"questlog_bench_{secrets.token_hex(4)}"


async def _wait_until_healthy(
    url: str, process: subprocess.Popen[bytes], log: IO[bytes]
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    async with httpx.AsyncClient(base_url=url, timeout=2) as client:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if (await client.get("/api/v1/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            await asyncio.sleep(0.1)
    _stop(process)
    raise RuntimeError(f"the benchmark's own server did not start:\n{_tail(log)}")


def _tail(log: IO[bytes], size: int = 4000) -> str:
    log.seek(0)
    return log.read()[-size:].decode(errors="replace")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
