"""Reading what a dashboard page shows: tables (raw values in data-value), cards, CSVs;
and the pages' own formatting rules (app.js fmt), to compare text with the API."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

from browser_tier import LOAD_TIMES
from playwright.sync_api import Page

from questlog.dashboard.browse import DemoServer, open_page, wait_charts, wait_ready

SCREENSHOTS = Path(__file__).parent / "screenshots"


def pick(row: dict[str, Any], path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        value = None if value is None else value.get(part)
    return value


def table(page: Page, table_id: str) -> list[dict[str, Any]]:
    """The rows of a table as {column key: raw value}."""
    cells: list[list[list[str]]] = page.eval_on_selector_all(
        f"#table-{table_id} tbody tr",
        "rows => rows.map(r => [...r.querySelectorAll('td')]"
        ".map(td => [td.dataset.key, td.dataset.value]))",
    )
    return [{key: json.loads(value) for key, value in row} for row in cells]


def projected(rows: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    return [{key: pick(row, key) for key in keys} for row in rows]


def only(rows: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    """Table rows (flat keys) cut to `keys`."""
    return [{key: row[key] for key in keys} for row in rows]


def card(page: Page, card_id: str) -> tuple[Any, str]:
    """A card's raw value and the text shown."""
    node = page.locator(f"#card-{card_id}")
    raw = json.loads(node.get_attribute("data-value") or "null")
    return raw, node.locator(".value").inner_text()


def fmt(value: Any, kind: str | None = None) -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "min":
        return f"{value / 60:.1f} min"
    if kind == "float":
        return str(int(value)) if float(value).is_integer() else f"{value:.2f}"
    return str(value)


def downloaded_csv(page: Page, button_id: str) -> list[dict[str, str]]:
    with page.expect_download() as download:
        page.click(f"#csv-{button_id}")
    path = download.value.path()
    return list(csv.DictReader(io.StringIO(Path(path).read_text())))


def same_as_csv(rows: list[dict[str, Any]], lines: list[dict[str, str]]) -> bool:
    """The CSV holds exactly these rows (empty cell: null; numbers as numbers)."""
    def cell(value: Any, text: str) -> bool:
        if value is None:
            return text == ""
        if isinstance(value, bool):
            return text == str(value).lower()
        if isinstance(value, int | float):
            return float(text) == float(value)
        if isinstance(value, dict | list):
            return json.loads(text) == value
        return text == str(value)

    return len(rows) == len(lines) and all(
        set(row) == set(line) and all(cell(row[k], line[k]) for k in row)
        for row, line in zip(rows, lines, strict=True))


def visit(page: Page, demo: DemoServer, path: str, name: str) -> None:
    """Open `path` (signed in already), record its load times, save a screenshot."""
    LOAD_TIMES.append((name, *open_page(page, demo.url + path)))
    shoot(page, name)


def shoot(page: Page, name: str) -> None:
    wait_charts(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def changed(page: Page, action: Any) -> None:
    """Run a control's action and wait until the page shows the new data."""
    page.evaluate("() => { document.body.dataset.ready = 'changing'; }")
    action()
    deadline = time.monotonic() + 30
    while page.evaluate("() => document.body.dataset.ready") != "1":
        if time.monotonic() > deadline:
            raise AssertionError("the page did not reload its data")
        page.wait_for_timeout(50)
    wait_ready(page)
