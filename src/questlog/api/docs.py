"""/api/v1/docs: Swagger UI, from the files the fastapi-offline package ships (no CDN)."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from questlog.api.query import StrictQueryRoute

DOCS = "/api/v1/docs"
ASSETS = Path(fastapi_offline.__file__).parent / "static"


def install_docs(app: FastAPI) -> None:
    app.mount(f"{DOCS}/assets", StaticFiles(directory=ASSETS), name="docs-assets")
    router = APIRouter(route_class=StrictQueryRoute)  # a query it does not know is 422 too

    @router.get(DOCS, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/api/v1/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{DOCS}/assets/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS}/assets/swagger-ui.css",
            swagger_favicon_url=f"{DOCS}/assets/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    app.include_router(router)
