"""contracts/seeds/: the seeds' own examples, as written, with the catalog events each
request maps onto (questlog.compat) and the response shape the seed shows."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from questlog.compat import seed_000, seed_001, seed_004

SEEDS: dict[str, ModuleType] = {"seed_000": seed_000, "seed_001": seed_001, "seed_004": seed_004}


def seed_examples(module: ModuleType) -> dict[str, Any]:
    return {
        "about": (module.__doc__ or "").strip().splitlines()[0],
        "examples": [
            {**example, "maps_to": module.mapped(example)} for example in module.EXAMPLES
        ],
    }
