"""The response envelope: {"ok": true, "data", "meta"} or {"ok": false, "error"}."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

import pydantic_core
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from pymongo.errors import ConnectionFailure, PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from questlog.api.methods import allowed_methods
from questlog.ingest.validation import summarize
from questlog.store.retry import StoreUnavailable

log = logging.getLogger(__name__)


class EnvelopeResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        # JSON has no NaN or Infinity, and figures that valid events can reach overflow
        # to them (a sum past 1.8e308): they are shown as null, never as invalid JSON.
        return pydantic_core.to_json(content, inf_nan_mode="null")


class ErrorBody(BaseModel):
    code: str = Field(description="Stable, machine-readable: e.g. invalid_event, forbidden.")
    message: str
    details: list[dict[str, Any]]


class ErrorEnvelope(BaseModel):
    """What every 4xx and 5xx answers with."""

    ok: Literal[False]
    error: ErrorBody


# Documented on every route in place of FastAPI's own 422 schema, which we never send.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in (
        (400, "Malformed request"), (401, "No valid key or token"), (403, "Not allowed"),
        (422, "Invalid request or query"),
    )
}


# Answered by every route that reads a body (api.body), besides 400 and 422.
BODY_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorEnvelope, "description": "Body over the route's size limit"},
    415: {"model": ErrorEnvelope, "description": "Body not sent as application/json"},
}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []
        self.headers = dict(headers or {})


def ok(data: Any, meta: dict[str, Any] | None = None, status: int = 200) -> EnvelopeResponse:
    return EnvelopeResponse({"ok": True, "data": data, "meta": meta or {}}, status_code=status)


def error(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> EnvelopeResponse:
    body = {"ok": False, "error": {"code": code, "message": message, "details": details or []}}
    return EnvelopeResponse(body, status_code=status, headers=headers)


# When a client may try again after a 503 store_unavailable.
RETRY_AFTER_SECONDS = "5"

# FastAPI raises a 400 only when it cannot parse a body model's JSON (not UTF-8, nested
# too deep): the code the write routes give the same body.
HTTP_CODES = {
    400: "malformed_json", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 413: "batch_too_large",
    415: "unsupported_media_type",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def on_api_error(_: Request, exc: ApiError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        return error(exc.status, exc.code, exc.message, exc.details, headers | exc.headers)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(_: Request, exc: RequestValidationError) -> Response:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            return error(400, "malformed_json", "request body is not valid JSON")
        # FastAPI leaves the body as bytes when its Content-Type is not JSON (curl -d sends
        # a form's): the model then refuses bytes, which would tell the client nothing.
        if any(e["loc"] == ("body",) and isinstance(e.get("input"), bytes) for e in exc.errors()):
            return error(415, "unsupported_media_type",
                         "send the body as JSON, with Content-Type: application/json")
        in_body = any(e["loc"][:1] == ("body",) for e in exc.errors())
        details = [
            {"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"],
             "kind": e["type"]}
            for e in exc.errors()
        ]
        code = "invalid_body" if in_body else "invalid_query"
        return error(422, code, summarize(details), details)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = exc.headers
        if exc.status_code == 405:  # every method of the path, not only the first route's
            headers = {"Allow": ", ".join(allowed_methods(request))}
            if request.method == "OPTIONS":
                return Response(status_code=204, headers=headers)
        code = HTTP_CODES.get(exc.status_code, "http_error")
        return error(exc.status_code, code, str(exc.detail), headers=headers)

    @app.exception_handler(StoreUnavailable)
    @app.exception_handler(ConnectionFailure)
    async def on_store_down(_: Request, exc: Exception) -> Response:
        log.error("store unavailable: %s", exc)
        return error(503, "store_unavailable", "MongoDB is not answering; retry later",
                     headers={"Retry-After": RETRY_AFTER_SECONDS})

    @app.exception_handler(PyMongoError)
    async def on_store_error(request: Request, exc: Exception) -> Response:
        # A deadline that passed (api/deadline.py) surfaces as a timeout error of the
        # operation it cut short, such as the server's maxTimeMS: the store did not answer.
        if isinstance(exc, PyMongoError) and exc.timeout:
            return await on_store_down(request, exc)
        return await on_bug(request, exc)

    @app.exception_handler(ClientDisconnect)
    async def on_client_gone(request: Request, _: Exception) -> Response:
        # The client hung up before its body arrived (its own timeout, say): nothing was
        # read, so nothing was stored, and the answer reaches nobody. Nginx's 499 says so
        # in the access log and the metrics, where a 500 would page an operator.
        log.info("client disconnected before its body was read: %s %s",
                 request.method, request.url.path)
        return error(499, "client_disconnected", "the client closed the connection")

    @app.exception_handler(Exception)
    async def on_bug(_: Request, exc: Exception) -> Response:
        log.exception("unhandled error")
        return error(500, "internal_error", "internal error; it has been logged")
