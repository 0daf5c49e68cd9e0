"""Render every file of contracts/, compare it with what is on disk, write it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from questlog.api.app import create_app
from questlog.contracts.endpoints import endpoints_markdown
from questlog.contracts.fixtures import catalog_fixtures
from questlog.contracts.schemas import event_schema, schema_name
from questlog.contracts.seeds import SEEDS, seed_examples
from questlog.events import CATALOGS, EVENT_MODELS

README = """\
# Contracts

What clients in other languages consume. Generated from the event models and the app by
`make contracts` (`questlog contracts`); never edit these files by hand.

- `schemas/TYPE.vN.json`: the JSON Schema (draft 2020-12) of each event type and version.
- `openapi.json`: the OpenAPI document of the HTTP API.
- `endpoints.md`: the HTTP endpoints with their scope, filters, pagination and errors.
- `fixtures/CATALOG.json`: per catalog, `valid` events (every type and version) and
  `invalid` ones, each with the `code` the server rejects it with and `why`.
- `seeds/SEED.json`: the seeds' own examples for their endpoints (seeds 000, 001, 004),
  each request with the catalog events it `maps_to` and the `response` the seed shows.
"""


def _json(value: Any, *, sort_keys: bool = False) -> str:
    return json.dumps(value, indent=2, sort_keys=sort_keys) + "\n"


def render() -> dict[str, str]:
    """Every file of contracts/, by its path relative to contracts/."""
    app = create_app()
    files = {
        "README.md": README,
        "openapi.json": _json(app.openapi(), sort_keys=True),
        "endpoints.md": endpoints_markdown(app),
    }
    for model in EVENT_MODELS:
        files[f"schemas/{schema_name(model)}"] = _json(event_schema(model))
    for catalog, models in CATALOGS.items():
        files[f"fixtures/{catalog}.json"] = _json(catalog_fixtures(models))
    for seed, module in SEEDS.items():
        files[f"seeds/{seed}.json"] = _json(seed_examples(module))
    return files


def stale_files(root: Path, files: dict[str, str]) -> list[str]:
    """The files under root that differ from, are missing from or are not in `files`."""
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    differ = [
        name for name, text in files.items()
        if name not in on_disk or (root / name).read_text(encoding="utf-8") != text
    ]
    return sorted([*differ, *(on_disk - set(files))])


def write(root: Path, files: dict[str, str]) -> list[str]:
    """Bring root in line with `files`, deleting what is no longer generated; the changes."""
    changed = stale_files(root, files)
    for name in changed:
        path = root / name
        if name in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(files[name], encoding="utf-8")
        else:
            path.unlink()
    return changed
