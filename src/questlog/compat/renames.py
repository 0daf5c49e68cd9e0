"""Renaming a seed's field names onto the catalog's. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def renamed(item: Any, names: Mapping[str, str]) -> Any:
    """`item` with its keys renamed by `names`; anything but an object is left for the
    catalog to reject. A key whose catalog name is also sent is kept as is, so that the
    catalog rejects the duplicate as an unknown field instead of one value vanishing."""
    if not isinstance(item, dict):
        return item
    out: dict[str, Any] = {}
    for key, value in item.items():
        target = names.get(key, key)
        out[key if target in item and target != key else target] = value
    return out
