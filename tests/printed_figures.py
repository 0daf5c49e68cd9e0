"""Reading the figures a `questlog bench` or `questlog rollup` command printed."""

from __future__ import annotations


def figures(output: str, title: str) -> dict[str, str]:
    """The `label  value` lines printed under the line starting with `title`."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    found = {}
    for line in lines[start + 1:]:
        if not line.startswith("  "):
            break
        label, _, value = line.strip().partition("  ")
        found[label] = value.strip()
    return found
