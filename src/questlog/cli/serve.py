"""`questlog serve` and `questlog local-db`."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from typing import Any

from questlog.cli.context import announce_development_key, command_settings
from questlog.collector import settle_long_running
from questlog.store.connection import connect_configured, server_options, store_kind
from questlog.store.local import ensure_running


def add_serve_commands(commands: Any, bench: Any) -> None:
    serve = commands.add_parser("serve", help="run the HTTP API and the scheduled jobs")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)

    local_db = commands.add_parser(
        "local-db", help="run the local store in the foreground and print its mongodb:// URL",
        description="Find or start the local secantusd-rs server of QUESTLOG_DATA_DIR (default "
        ".questlog) and print its URL for mongosh, Compass or QUESTLOG_MONGODB_URL; a server "
        "started here runs until Ctrl-C.",
    )
    local_db.set_defaults(run=_local_db)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from questlog.api.app import create_app
    from questlog.api.limits import uvicorn_options

    settings = command_settings()
    local = None
    if store_kind(settings.mongodb_url) == "local":
        # Started here rather than in the app's lifespan: a store that cannot start is one
        # sentence (see main), not a traceback, and it outlives the server's own shutdown.
        local = ensure_running(settings.data_dir, server_options(settings))
    announce_development_key(settings)
    app = create_app(settings)
    # Without this, a third of the evaluator's time in a server went to collections.
    # Here, not in the app's lifespan: a process that builds many apps (the tests) must
    # collect them.
    settle_long_running()
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="info",
                    access_log=settings.access_log, **uvicorn_options(settings))
    finally:
        if local is not None:
            local.stop()
    return 0


def _local_db(args: argparse.Namespace) -> int:
    settings = command_settings()
    if store_kind(settings.mongodb_url) != "local":
        print("questlog local-db: QUESTLOG_MONGODB_URL is set, so Questlog does not use the "
              "local store; unset it first", file=sys.stderr)
        return 2
    connection = connect_configured(settings)
    assert connection.local is not None
    print(connection.local.url, flush=True)
    try:
        if connection.local.owned:
            print("started here; stop it with Ctrl-C", file=sys.stderr, flush=True)
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
        else:
            print("already running for another Questlog process, which stops it",
                  file=sys.stderr)
    finally:
        connection.close()
    return 0
