"""The local store's server process: found or started once per data dir, stopped with its
owner (kill -9 included), recovered with its data at the next start."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pymongo
import pytest
from conftest import TEST_SERVER

from questlog.cli import main
from questlog.settings import Settings
from questlog.store import local
from questlog.store.connection import server_options
from questlog.store.local import LocalServerError, ServerOptions, ensure_running

pytestmark = pytest.mark.mongodb  # the real-server tier: these start secantusd-rs

OWNER = """
import sys, time, pymongo
from questlog.store.local import ensure_running, ServerOptions
server = ensure_running(__import__("pathlib").Path(sys.argv[1]), ServerOptions(sync_on_commit=True))
with pymongo.MongoClient(server.url) as client:
    client.questlog.events.insert_one({"_id": "kept", "j": True})
print(server.url, flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until(condition: object, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def record(data_dir: Path) -> dict[str, object]:
    return dict(json.loads((data_dir / "server.json").read_text()))


def test_a_second_start_finds_the_running_server(tmp_path: Path) -> None:
    first = ensure_running(tmp_path, TEST_SERVER)
    try:
        second = ensure_running(tmp_path, TEST_SERVER)

        assert (second.url, first.owned, second.owned) == (first.url, True, False)
        second.stop()  # not its own: leaves it running
        with pymongo.MongoClient(first.url) as client:
            assert client.admin.command("ping")["ok"] == 1
    finally:
        first.stop()
    assert not (tmp_path / "server.json").exists()


def test_the_server_stops_with_its_killed_owner_and_the_next_start_has_the_data(
    tmp_path: Path,
) -> None:
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(tmp_path)],
                             stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    owner.stdout.readline()  # the event is written and acknowledged
    watchdog = int(record(tmp_path)["watchdog_pid"])  # type: ignore[call-overload]

    owner.send_signal(signal.SIGKILL)
    owner.wait()
    owner.stdout.close()

    assert wait_until(lambda: not alive(watchdog)), "the server outlived its killed owner"
    again = ensure_running(tmp_path, TEST_SERVER)
    try:
        assert again.owned
        with pymongo.MongoClient(again.url) as client:
            stored = client.questlog.events.find_one({"_id": "kept"})
        assert stored == {"_id": "kept", "j": True}
    finally:
        again.stop()


def test_a_stale_record_of_a_dead_server_is_replaced(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / "server.json").write_text(json.dumps({
        "url": "mongodb://127.0.0.1:9/?directConnection=true", "owner_pid": os.getpid(),
        "watchdog_pid": int(dead), "started_at": 0,
    }))

    server = ensure_running(tmp_path, TEST_SERVER)
    try:
        assert server.owned
        assert server.url != "mongodb://127.0.0.1:9/?directConnection=true"
        assert record(tmp_path)["url"] == server.url
    finally:
        server.stop()


def test_without_the_wheel_the_error_names_both_alternatives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local.sysconfig, "get_path", lambda name: str(tmp_path / "nowhere"))

    with pytest.raises(LocalServerError) as caught:
        ensure_running(tmp_path, TEST_SERVER)

    assert "QUESTLOG_MONGODB_URL to a MongoDB connection string" in str(caught.value)
    assert "`memory`" in str(caught.value)


def test_a_command_without_the_wheel_says_in_one_line_what_to_set_instead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(local.sysconfig, "get_path", lambda name: str(tmp_path / "nowhere"))
    monkeypatch.delenv("QUESTLOG_MONGODB_URL")

    assert main(["rollup", "--from", "2026-01-01", "--to", "2026-01-01"]) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("questlog rollup: the local store needs the secantusdb==0.6.0b17 wheel")


def test_the_log_files_a_checkpoint_holds_are_removed_while_the_server_runs(
    tmp_path: Path,
) -> None:
    """Without a checkpoint secantusd-rs kept every log file until a restart (28 GB in an
    hour of benchmarks)."""
    options = ServerOptions(ttl_sweep_seconds=1, sync_on_commit=False, log_file_max="1MB",
                            checkpoint_seconds=1)
    server = ensure_running(tmp_path, options)

    def logs() -> int:
        return sum(1 for f in (tmp_path / "db").iterdir() if f.name.startswith("WiredTigerLog"))

    try:
        with pymongo.MongoClient(server.url) as client:
            for _ in range(8):  # 8 MB of documents: 8 log files or more, had none gone
                client.questlog.filler.insert_many([{"pad": "x" * 1000} for _ in range(1000)])
                time.sleep(0.3)
            assert wait_until(lambda: logs() <= 3, seconds=15), f"{logs()} log files"
            assert client.questlog.filler.count_documents({}) == 8000
    finally:
        server.stop()


def test_the_local_server_keeps_its_oplog_out_of_its_log_unless_asked(tmp_path: Path) -> None:
    """Questlog reads no oplog, and a logged one cost the server 30 µs a write once full
    (store/local.py): unlogged by default."""
    assert "--oplog-nonlogged" in local.server_command(tmp_path, ServerOptions())
    logged = local.server_command(tmp_path, ServerOptions(oplog_logged=True))
    assert "--oplog-nonlogged" not in logged


def test_the_local_servers_cache_is_set_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1 GB unless QUESTLOG_LOCAL_CACHE_SIZE says otherwise (a dense day's events did not
    fit in 256 MB: store/local.py)."""
    def cache_size() -> str:
        command = local.server_command(tmp_path, server_options(Settings()))
        return command[command.index("--cache-size") + 1]

    assert cache_size() == "1G"
    monkeypatch.setenv("QUESTLOG_LOCAL_CACHE_SIZE", "512M")
    assert cache_size() == "512M"


def test_a_data_dir_whose_oplog_is_logged_opens_as_it_was(tmp_path: Path) -> None:
    """Data dirs made before the oplog went unlogged keep theirs logged (the flag applies
    to an oplog the server creates): such a store still opens, with every document, and
    takes writes and transactions."""
    server = ensure_running(tmp_path, dataclasses.replace(TEST_SERVER, oplog_logged=True))
    try:
        with pymongo.MongoClient(server.url) as client:
            client.questlog.events.insert_many([{"_id": n} for n in range(100)])
    finally:
        server.stop()

    server = ensure_running(tmp_path, TEST_SERVER)
    try:
        with pymongo.MongoClient(server.url) as client:
            events = client.questlog.events
            with client.start_session() as session, session.start_transaction():
                events.insert_one({"_id": 100}, session=session)
                events.update_one({"_id": 0}, {"$set": {"seen": True}}, session=session)
            assert events.count_documents({}) == 101
            assert events.find_one({"_id": 0}) == {"_id": 0, "seen": True}
    finally:
        server.stop()
