"""/dashboard: the pages for designers, players and companies (static files; their data
comes from the JSON API, read by the page's script with the viewer's own credential).

Plain Starlette routes, not API routes: they answer HTML and files, and their query
strings (?days=, ?token=, ?t=...) are read by the pages' scripts, not by the server.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from questlog.api.envelope import error
from questlog.dashboard import PAGES_BY_SLUG, STATIC, plotly_bundle, render

router = APIRouter()
ASSETS = frozenset(p.name for p in STATIC.iterdir() if p.suffix in {".js", ".css"})
NO_CACHE = {"Cache-Control": "no-cache"}


async def sign_in(_: Request) -> Response:
    return FileResponse(STATIC / "signin.html", headers=NO_CACHE)


async def sign_in_slash(_: Request) -> Response:
    return RedirectResponse("/dashboard")


async def plotly_js(_: Request) -> Response:
    return FileResponse(plotly_bundle(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


async def asset(request: Request) -> Response:
    name = str(request.path_params["name"])
    if name not in ASSETS:
        return error(404, "not_found", f"no dashboard file {name[:64]!r}")
    return FileResponse(STATIC / name, headers=NO_CACHE)


async def page(request: Request) -> Response:
    slug = str(request.path_params["slug"])
    found = PAGES_BY_SLUG.get(slug)
    if found is None:
        return error(404, "not_found", f"no dashboard page {slug[:64]!r}")
    return HTMLResponse(render(found), headers=NO_CACHE)


for path, endpoint in (
    ("/dashboard", sign_in), ("/dashboard/", sign_in_slash),
    ("/dashboard/static/vendor/plotly.min.js", plotly_js),
    ("/dashboard/static/{name}", asset), ("/dashboard/{slug}", page),
):
    router.add_route(path, endpoint, methods=["GET"], include_in_schema=False)
