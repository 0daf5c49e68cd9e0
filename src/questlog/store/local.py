"""The default local store: a `secantusd-rs` server process with its data in a directory.

secantusd-rs (from the pinned PyPI wheel secantusdb 0.6.0b17) speaks MongoDB's wire
protocol on WiredTiger, MongoDB's own storage engine. It is GPL-2.0, so Questlog only
ever runs it as a separate process and talks to it over its socket.

One data directory has at most one server. The server's address is recorded in
`server.json` beside the data, so that every Questlog process on the machine (serve,
jobs, rollup, benches) finds the running server and uses it; the first one to need it
starts it. A watchdog process (store/local_watch.py) stops the server when the process
that started it dies, even by kill -9, and the next start recovers the same data.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymongo
from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)

RECORD = "server.json"
CONFIG = "secantusd.toml"  # the server's own settings, in the data dir
STORAGE = "db"  # WiredTiger's home, in the data dir
LISTENING = re.compile(rb"listening on (127\.0\.0\.1:\d+)")
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0
ALTERNATIVES = (
    "set QUESTLOG_MONGODB_URL to a MongoDB connection string, or to `memory` for a "
    "throwaway in-memory store"
)


class LocalServerError(RuntimeError):
    """The local server cannot be found or started; the message says why and what to do."""


@dataclass(frozen=True)
class ServerOptions:
    ttl_sweep_seconds: float = 60.0
    sync_on_commit: bool = True
    # WiredTiger's cache. 256 MB held the default loads, but not a dense day's million
    # events: read through the event_time index, in an order unlike the one they were
    # stored in, they cost the server 34-38 s of CPU against 7-10 s with 1 GB
    # (docs/performance-history.md, "The dense day and the store's cache"). mongod would
    # take half of the memory past 1 GB; a development store takes 1 GB.
    cache_size: str = "1G"
    # WiredTiger's default 2 GB log files cost about 10 s of every start (measured here);
    # 100 MB ones start in half a second and rotate more often, which a development
    # store can afford.
    log_file_max: str = "100MB"
    # secantusd-rs takes no checkpoint of its own while it runs with its data logged, and
    # WiredTiger removes a log file only once a checkpoint holds what it logged: without
    # one, the log grew by 28 GB in an hour of benchmarks (2026-12-05). A checkpoint every
    # minute, as mongod takes, keeps it to the last minute's writes.
    checkpoint_seconds: int = 60
    # secantusd-rs keeps an oplog of every write (for change streams, which Questlog does
    # not use) and, once it holds 100,000 entries, prunes the oldest at each write. Pruned
    # from a logged table, that cost the server 30 µs more per write (a rollup of 11,421
    # documents: 0.45 s of its CPU before the oplog was full, 0.7-0.9 s once it was;
    # docs/performance-history.md, "The store's oplog, and both sides of a ratio in
    # rounds"); from an unlogged one, nothing measurable. Unlogged (which secantusd-rs
    # names for measurement or ephemeral use, and Questlog's local store is for
    # development), a crash can lose the oplog's tail, never a document: the collections
    # stay logged. It applies to an oplog the server creates, that of a new data dir.
    oplog_logged: bool = False


@dataclass
class LocalServer:
    url: str
    data_dir: Path
    watchdog: subprocess.Popen[bytes] | None  # set when this process started the server

    @property
    def owned(self) -> bool:
        return self.watchdog is not None

    def stop(self) -> None:
        """Stop the server if this process started it; a server found running is left be."""
        if self.watchdog is None:
            return
        self.watchdog.terminate()  # the watchdog stops the server, then exits
        try:
            self.watchdog.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.watchdog.kill()
            self.watchdog.wait()
        _remove_record(self.data_dir, watchdog_pid=self.watchdog.pid)
        self.watchdog = None


def binary() -> Path:
    """The secantusd-rs executable inside the installed secantusdb wheel."""
    candidates = [Path(sysconfig.get_path("platlib")) / "secantusdb.scripts" / "secantusd-rs"]
    if sys.platform == "win32":
        candidates = [path.with_suffix(".exe") for path in candidates]
    for path in candidates:
        if path.is_file():
            return path
    raise LocalServerError(
        "the local store needs the secantusdb==0.6.0b17 wheel (`pip install 'questlog[local]'`), "
        f"which has no build for this platform or is not installed: {ALTERNATIVES}"
    )


def ensure_running(data_dir: Path, options: ServerOptions | None = None) -> LocalServer:
    """The server of `data_dir`: the one already running there, or a new one of ours."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with _start_lock(data_dir):
        found = _running_server(data_dir)
        if found is not None:
            log.info("using the local store already running at %s (data in %s)",
                     found.url, data_dir.resolve())
            return found
        return _start(data_dir, options or ServerOptions())


def _running_server(data_dir: Path) -> LocalServer | None:
    record = _read_record(data_dir)
    if record is None:
        return None
    if not _alive(record["owner_pid"]):
        # Its owner died; the watchdog is stopping the server: wait, then start afresh.
        _wait_for_exit(record["watchdog_pid"], STOP_TIMEOUT_SECONDS)
    elif _alive(record["watchdog_pid"]) and _answers(record["url"]):
        return LocalServer(url=record["url"], data_dir=data_dir, watchdog=None)
    if _alive(record["watchdog_pid"]):
        raise LocalServerError(
            f"a local server (watchdog pid {record['watchdog_pid']}) holds {data_dir} but does "
            f"not answer at {record['url']}; stop it or choose another QUESTLOG_DATA_DIR"
        )
    log.info("replacing the stale record of a local server that is gone (%s)", record["url"])
    (data_dir / RECORD).unlink(missing_ok=True)
    return None


def server_command(data_dir: Path, options: ServerOptions) -> list[str]:
    """The secantusd-rs command line of the local server of `data_dir`."""
    return [
        str(binary()), "--config", str(data_dir / CONFIG), "--host", "127.0.0.1",
        "--port", "0", "--storage-path", str(data_dir / STORAGE),
        "--cache-size", options.cache_size, "--log-file-max", options.log_file_max,
        "--log-level", "WARNING",
        *([] if options.oplog_logged else ["--oplog-nonlogged"]),
    ]


def _start(data_dir: Path, options: ServerOptions) -> LocalServer:
    (data_dir / CONFIG).write_text(
        "[storage]\n"
        f"ttl_sweep_seconds = {options.ttl_sweep_seconds}\n"
        f"sync_on_commit = {'true' if options.sync_on_commit else 'false'}\n"
    )
    # WiredTiger reads this file of its home at every open, over what secantusd-rs passes
    # (which has no checkpoint setting, nor an option for one).
    (data_dir / STORAGE).mkdir(exist_ok=True)
    (data_dir / STORAGE / "WiredTiger.config").write_text(
        f"checkpoint=(wait={options.checkpoint_seconds})\n")
    command = server_command(data_dir, options)
    server_log = data_dir / "server.log"
    with server_log.open("wb") as out:
        watchdog = subprocess.Popen(
            [sys.executable, "-m", "questlog.store.local_watch", str(os.getpid()), "--",
             *command],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            # Its own session: a Ctrl-C meant for Questlog does not stop the store under it;
            # Questlog stops it once its own shutdown is done.
            start_new_session=True,
        )
    address = _wait_for_address(server_log, watchdog)
    url = f"mongodb://{address}/?directConnection=true"
    if not _answers(url, timeout=START_TIMEOUT_SECONDS):
        watchdog.terminate()
        raise LocalServerError(f"the local server at {address} does not answer ping")
    _write_record(data_dir, {"url": url, "owner_pid": os.getpid(),
                             "watchdog_pid": watchdog.pid, "started_at": time.time()})
    log.warning(
        "local store: a single-node secantusd-rs server for development at %s, data in %s. "
        "For production set QUESTLOG_MONGODB_URL to a MongoDB replica set.",
        url, data_dir.resolve(),
    )
    return LocalServer(url=url, data_dir=data_dir, watchdog=watchdog)


def _wait_for_address(server_log: Path, watchdog: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        found = LISTENING.search(server_log.read_bytes())
        if found:
            return found.group(1).decode()
        if watchdog.poll() is not None:
            break
        time.sleep(0.05)
    watchdog.terminate()
    tail = server_log.read_bytes()[-2000:].decode(errors="replace").strip()
    raise LocalServerError(f"the local server did not start (data in {server_log.parent}): {tail}")


def _answers(url: str, timeout: float = 2.0) -> bool:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        url, serverSelectionTimeoutMS=int(timeout * 1000), connectTimeoutMS=1000
    )
    try:
        client.admin.command("ping")
    except PyMongoError:
        return False
    finally:
        client.close()
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_for_exit(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def _read_record(data_dir: Path) -> dict[str, Any] | None:
    try:
        record: dict[str, Any] = json.loads((data_dir / RECORD).read_text())
    except (FileNotFoundError, ValueError):
        return None
    if not {"url", "owner_pid", "watchdog_pid"} <= record.keys():
        return None
    return record


def _write_record(data_dir: Path, record: dict[str, Any]) -> None:
    partial = data_dir / (RECORD + ".partial")
    partial.write_text(json.dumps(record))
    partial.replace(data_dir / RECORD)


def _remove_record(data_dir: Path, *, watchdog_pid: int) -> None:
    record = _read_record(data_dir)
    if record is not None and record["watchdog_pid"] == watchdog_pid:
        (data_dir / RECORD).unlink(missing_ok=True)


@contextmanager
def _start_lock(data_dir: Path) -> Iterator[None]:
    """One process at a time finds or starts the server of a data dir."""
    try:
        import fcntl
    except ImportError:  # Windows: WiredTiger's own lock still refuses a second server
        yield
        return
    with (data_dir / "start.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
