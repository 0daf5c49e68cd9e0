"""contracts/endpoints.md: the table of HTTP endpoints, driven by the app itself.

Method, path, summary, query parameters and validation errors come from the app's OpenAPI
document; the scope from each route's dependencies (questlog.api.deps.route_scopes); the
error codes a handler raises from inside, which neither can show, from DECLARED_ERRORS.
"""

from __future__ import annotations

from typing import Any

from questlog.api.deps import route_scopes
from questlog.ingest.codes import HTTP_STATUS, Code

PAGINATION = ("page", "page_size", "after")
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _answers(*codes: Code) -> tuple[str, ...]:
    return tuple(f"{HTTP_STATUS[code]} {code.value}" for code in codes)


EVENT_CODES = (
    Code.INVALID_EVENT, Code.UNKNOWN_EVENT_TYPE, Code.UNSUPPORTED_VERSION,
    Code.EVENT_TOO_LARGE, Code.TIMESTAMP_IN_FUTURE, Code.TIMESTAMP_TOO_OLD,
    Code.FORBIDDEN, Code.SESSION_NOT_OWNED, Code.RATE_LIMITED, Code.UNKNOWN_REFERENCE,
    Code.UNSUPPORTED_MOMENTUM,
)
EVENT_ROUTES = {("POST", "/api/v1/events"), ("POST", "/api/v1/events/batch")}
DASHBOARD_ERRORS = ("403 below_privacy_threshold", "422 invalid_range")
DECLARED_ERRORS: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/api/v1/events"): _answers(Code.MALFORMED_JSON, Code.BATCH_TOO_LARGE, *EVENT_CODES),
    ("POST", "/api/v1/events/batch"): _answers(
        Code.MALFORMED_JSON, Code.INVALID_BATCH, Code.INVALID_BODY, Code.BATCH_TOO_LARGE,
        Code.RATE_LIMITED,
    ),
    ("GET", "/api/v1/dashboard/summary"): DASHBOARD_ERRORS,
    ("GET", "/api/v1/dashboard/timeseries"): DASHBOARD_ERRORS,
    ("GET", "/dashboard/summary"): DASHBOARD_ERRORS,
    ("GET", "/dashboard/timeseries"): DASHBOARD_ERRORS,
    ("POST", "/admin/seed_company"): ("403 forbidden",),
    ("POST", "/api/v1/companies/{company_id}/token"): ("404 not_found",),
    ("DELETE", "/api/v1/keys/{key_id}"): ("404 not_found",),
    ("GET", "/api/v1/health"): ("503 store_unavailable",),
    ("GET", "/api/v1/achievements"): ("404 not_found",),
    ("POST", "/api/v1/sessions/{session_id}/close"): ("400 mixed_company", "404 not_found"),
    ("POST", "/api/v1/sessions/{session_id}/finalize"): ("400 mixed_company", "404 not_found"),
    ("GET", "/api/v1/sessions/{session_id}"): ("404 not_found",),
    ("POST", "/api/v1/telemetry/events"): _answers(
        Code.MALFORMED_JSON, Code.BATCH_TOO_LARGE, *EVENT_CODES
    ),
    ("POST", "/api/v1/telemetry/batch"): _answers(
        Code.MALFORMED_JSON, Code.INVALID_BATCH, Code.BATCH_TOO_LARGE
    ),
    ("POST", "/api/v1/telemetry/session/{session_id}/close"): (
        "400 mixed_company", "404 not_found",
    ),
    ("POST", "/v1/telemetry/events"): _answers(
        Code.MALFORMED_JSON, Code.INVALID_BATCH, Code.BATCH_TOO_LARGE
    ),
    ("POST", "/events"): _answers(Code.MALFORMED_JSON, Code.BATCH_TOO_LARGE, *EVENT_CODES),
    ("POST", "/sessions/{session_id}/finalize"): ("400 mixed_company", "404 not_found"),
    ("GET", "/health"): ("503 store_unavailable",),
    ("GET", "/api/v1/achievements/progress"): ("404 not_found",),
    ("POST", "/api/v1/achievements/redeem"): (
        "404 not_found", "409 already_redeemed", "422 no_reward", "422 not_unlocked",
    ),
    ("GET", "/api/v1/stats"): (
        "403 below_privacy_threshold", "422 unknown_event_type", "422 invalid_range",
        "422 range_too_long",
    ),
    ("POST", "/api/v1/jobs/rollup"): (
        "422 invalid_range", "422 range_in_future", "422 range_too_old", "422 range_too_long",
        "503 rollup_failed",
    ),
}

HEADER = """\
# HTTP endpoints

Generated from the app's routes by `make contracts`; do not edit. The full
request and response shapes are in `openapi.json`.

- Auth: `Authorization: Bearer KEY`; an `admin` key holds every scope. A player token
  (`POST /api/v1/players/{user_id}/token`) holds no key scope: with `read` it reads its
  own player's achievements, sessions and model and redeems their rewards, with `ingest`
  it writes its own player's events, and it gets 403 forbidden anywhere else. A company
  dashboard token (`?t=` or bearer) reads its company's dashboard routes only (see
  docs/privacy.md).
- The seeds' own routes (`/api/v1/telemetry/...`, `/v1/telemetry/events`, `/events`,
  `/sessions/...`, `/players/{player_id}/sessions`, `/model/state/...`, `/health`) answer
  in their seed's shapes (see `seeds/`); their errors are Questlog's envelope.
- Responses: `{"ok": true, "data", "meta"}`, or `{"ok": false, "error": {"code",
  "message", "details"}}` with the status and code listed below.
- A batch answers 200 when it is well formed; each rejected event is then listed in
  `data.rejections` with the code the single-event endpoint would answer.
- Any route may also answer `503 store_unavailable` while MongoDB does not answer,
  `414 query_too_long` past `max_query_bytes` and `431 headers_too_large` past
  `max_header_bytes` (docs/security.md lists every limit).
- A body is JSON, sent as `application/json` or with no Content-Type (else 415); a key
  repeated in one of its objects is refused, naming the key.
- Query parameters: the names below, or their camelCase spelling (`page_size` or
  `pageSize`); any other answers `422 invalid_query` naming it, on every route, as does
  a parameter given twice (only `ids` and `achievement_ids` may repeat). Lists page on
  with `after=` the previous page's `meta.next_after` (docs/reads.md).

| method | path | what | scope | filters | pagination | errors |
| --- | --- | --- | --- | --- | --- | --- |
"""


def endpoints_markdown(app: Any) -> str:
    scopes = route_scopes(app)
    operations = {
        (method.upper(), path): operation
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }
    unknown = set(DECLARED_ERRORS) - set(operations)
    if unknown:
        raise ValueError(f"DECLARED_ERRORS names routes the app does not have: {sorted(unknown)}")
    rows = [
        _row(method, path, operation, scopes[method, path])
        for (method, path), operation in sorted(operations.items(), key=lambda kv: kv[0][::-1])
    ]
    return HEADER + "".join(rows)


def _row(method: str, path: str, operation: dict[str, Any], scopes: frozenset[str]) -> str:
    query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    filters = [_param(p) for p in query if p["name"] not in PAGINATION]
    pages = [_param(p) for p in query if p["name"] in PAGINATION]
    errors = [*DECLARED_ERRORS.get((method, path), ())]
    if scopes:
        errors += ["401 unauthorized", "403 forbidden"]
    if query:  # FastAPI's own check of the query parameters
        errors.append("422 invalid_query")
    if "requestBody" in operation:  # api.body reads it
        errors += ["400 malformed_json", "415 unsupported_media_type"]
        if (method, path) not in EVENT_ROUTES:  # a body model (api.deps.body_of)
            errors += ["413 body_too_large", "422 invalid_body"]
    cells = [
        method, f"`{path}`", operation.get("summary", ""), ", ".join(sorted(scopes)) or "none",
        ", ".join(filters) or "-", ", ".join(pages) or "-", ", ".join(sorted(set(errors))) or "-",
    ]
    return "| " + " | ".join(cells) + " |\n"


def _param(parameter: dict[str, Any]) -> str:
    schema = parameter["schema"]
    schema = next((s for s in schema.get("anyOf", []) if s.get("type") != "null"), schema)
    notes = []
    if "format" in schema:
        notes.append(schema["format"])
    if "minimum" in schema or "maximum" in schema:
        notes.append(f"{schema.get('minimum', '')}..{schema.get('maximum', '')}")
    if "default" in parameter["schema"]:
        notes.append(f"default {parameter['schema']['default']}")
    return f"`{parameter['name']}`" + (f" ({', '.join(notes)})" if notes else "")
