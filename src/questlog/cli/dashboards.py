"""The registrar of `questlog dashboards screenshots`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from questlog.bench.report import print_figures


def add_dashboard_commands(commands: Any, bench: Any) -> None:
    dashboards = commands.add_parser("dashboards", help="the /dashboard pages")
    sub = dashboards.add_subparsers(dest="dashboards", required=True, metavar="ACTION")
    shots = sub.add_parser(
        "screenshots", help="screenshot every page on demo data (headless Chromium)",
        description="Start a fresh local store with `questlog demo` data and `questlog serve` "
        "on it (or use --url and --key), open every page in /usr/bin/chromium and save a "
        "screenshot of each into --out; prints each page's load time.",
    )
    shots.add_argument("--out", type=Path, default=Path("docs/dashboards"))
    shots.add_argument("--url", help="a running Questlog instead of a fresh demo one")
    shots.add_argument("--key", help="its admin key, with --url")
    shots.set_defaults(run=_run_screenshots)


def _run_screenshots(args: argparse.Namespace) -> int:
    from questlog.dashboard.screenshots import take

    try:
        timings = take(args.out, url=args.url, key=args.key)
    except RuntimeError as exc:
        print(f"questlog dashboards screenshots: {exc}", file=sys.stderr)
        return 2
    print_figures(f"screenshots in {args.out}: seconds until each page's figures are shown, "
                  "and its charts drawn",
                  [(name, f"{shown:.3f}  {drawn:.3f}") for name, shown, drawn in timings])
    return 0
