"""The `questlog` command: serve, bench, contracts."""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
from collections.abc import Sequence

from questlog.settings import Settings


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from questlog.api.app import create_app

    settings = Settings()
    if not settings.api_key_scopes:
        key = secrets.token_urlsafe(24)
        settings = settings.model_copy(update={"api_keys": f"{key}:admin"})
        logging.getLogger("questlog").warning(
            "QUESTLOG_API_KEYS is not set: generated an admin key for this run: %s", key
        )
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="questlog", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="run the HTTP API (and the scheduled jobs)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(run=serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
