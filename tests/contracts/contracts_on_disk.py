"""The committed contracts/ files, as the tests read them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


def schema_files() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in sorted((CONTRACTS / "schemas").glob("*"))}


def catalog_fixtures() -> dict[str, dict[str, list[Any]]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((CONTRACTS / "fixtures").glob("*"))}


def schema_file_of(event: dict[str, Any]) -> str:
    """The schema file a (well-typed) event belongs to: TYPE.vVERSION.json."""
    return f"{event['type']}.v{event.get('schema_version', 1)}.json"


CATALOG_NAMES = sorted(catalog_fixtures())
