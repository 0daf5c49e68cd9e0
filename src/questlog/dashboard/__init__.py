"""The pages under /dashboard: static HTML and scripts that read the JSON API like any
other client (with the key a designer signs in with, or a player's or company's token).

The chart library is plotly.js, from the plotly wheel installed with Questlog (its
package_data/plotly.min.js): nothing is loaded from elsewhere. No Python of plotly is
used. See docs/dashboards.md.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    audience: str  # designer, admin, player, company


PAGES = (
    Page("home", "Overview", "designer"),
    Page("stats", "Event types", "designer"),
    Page("retention", "Retention", "designer"),
    Page("funnels", "Funnels", "designer"),
    Page("breakdown", "Breakdowns", "designer"),
    Page("events", "Event explorer", "designer"),
    Page("admin", "Jobs and rejections", "admin"),
    Page("player", "My achievements", "player"),
    Page("company-page", "Company", "company"),  # /dashboard/company is seed 004's JSON
)
PAGES_BY_SLUG = {page.slug: page for page in PAGES}


def plotly_bundle() -> Path:
    """plotly.min.js of the installed plotly wheel."""
    spec = importlib.util.find_spec("plotly")  # where its files are; never imported
    if spec is None or spec.origin is None:
        raise RuntimeError("the plotly package is not installed (pip install -e .)")
    return Path(spec.origin).parent / "package_data" / "plotly.min.js"


def render(page: Page) -> str:
    template = (STATIC / "page.html").read_text()
    return (template.replace("{{title}}", page.title).replace("{{slug}}", page.slug)
            .replace("{{audience}}", page.audience))
