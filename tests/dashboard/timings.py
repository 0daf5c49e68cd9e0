"""What the browser tests measured: (page, seconds to load), printed in the summary."""

from __future__ import annotations

LOAD_TIMES: list[tuple[str, float]] = []
