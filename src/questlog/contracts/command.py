"""`questlog contracts [--check] [--dir DIR]`: write contracts/, or say which files are stale."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

REFRESH = "make contracts"


def run(args: argparse.Namespace) -> int:
    from questlog.contracts.generate import render, stale_files, write  # imports the whole app

    root: Path = args.dir
    if args.check:
        stale = stale_files(root, render())
        for name in stale:
            print(f"stale: {root / name}")
        if stale:
            print(f"{root} is out of date with the models and routes: run `{REFRESH}`")
        return 1 if stale else 0
    for name in write(root, render()):
        print(f"wrote {root / name}" if (root / name).exists() else f"deleted {root / name}")
    return 0


def add_contracts(commands: Any, bench: Any) -> None:
    p = commands.add_parser("contracts", help="generate contracts/ from the models and routes")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 naming stale files")
    p.add_argument("--dir", type=Path, default=Path("contracts"), help="default: ./contracts")
    p.set_defaults(run=run)
