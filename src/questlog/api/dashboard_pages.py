"""/dashboard: the pages for designers, players and companies (static files; their data
comes from the JSON API, read by the page's script with the viewer's own credential)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from questlog.api.envelope import ApiError
from questlog.dashboard import PAGES_BY_SLUG, STATIC, plotly_bundle, render

router = APIRouter(prefix="/dashboard", include_in_schema=False)
ASSETS = frozenset(p.name for p in STATIC.iterdir() if p.suffix in {".js", ".css"})
NO_CACHE = {"Cache-Control": "no-cache"}


@router.get("")
async def sign_in() -> FileResponse:
    return FileResponse(STATIC / "signin.html", headers=NO_CACHE)


@router.get("/")
async def sign_in_slash() -> RedirectResponse:
    return RedirectResponse("/dashboard")


@router.get("/static/vendor/plotly.min.js")
async def plotly_js() -> FileResponse:
    return FileResponse(plotly_bundle(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/static/{name}")
async def asset(name: Annotated[str, Path(max_length=64)]) -> FileResponse:
    if name not in ASSETS:
        raise ApiError(404, "not_found", f"no dashboard file {name!r}")
    return FileResponse(STATIC / name, headers=NO_CACHE)


@router.get("/{slug}")
async def page(slug: Annotated[str, Path(max_length=64)]) -> HTMLResponse:
    found = PAGES_BY_SLUG.get(slug)
    if found is None:
        raise ApiError(404, "not_found", f"no dashboard page {slug!r}")
    return HTMLResponse(render(found), headers=NO_CACHE)
