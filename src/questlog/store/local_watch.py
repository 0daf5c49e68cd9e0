"""The local server's watchdog: `python -m questlog.store.local_watch OWNER_PID -- COMMAND...`.

Runs COMMAND (secantusd-rs) and stops it when the Questlog process OWNER_PID is gone,
however it went (kill -9 included), or when the watchdog itself is asked to stop, so a
local server is never left running without the process that started it. Polling the
owner works the same on every platform, unlike Linux's parent-death signal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

POLL_SECONDS = 0.25
STOP_TIMEOUT_SECONDS = 15.0


def owner_alive(pid: int) -> bool:
    if os.name == "posix":
        return os.getppid() == pid  # a dead owner's children are re-parented
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def main(argv: list[str]) -> int:
    owner, separator, *command = argv
    if separator != "--" or not command:
        print("usage: python -m questlog.store.local_watch OWNER_PID -- COMMAND...",
              file=sys.stderr)
        return 2
    server = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stopping and server.poll() is None and owner_alive(int(owner)):
        time.sleep(POLL_SECONDS)
    stop(server)
    return server.returncode or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
