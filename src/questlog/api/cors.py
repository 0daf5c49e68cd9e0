"""CORS (seed 004's ALLOWED_ORIGINS): only the origins in QUESTLOG_ALLOWED_ORIGINS; none
by default, so a browser page elsewhere cannot call Questlog with a visitor's token."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from questlog.settings import Settings


def install_cors(app: FastAPI, settings: Settings) -> None:
    if settings.origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.origins, allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-ADMIN-KEY"],
            expose_headers=["Retry-After"],
        )
