"""Rejection codes and the HTTP status each answers with."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    INVALID_EVENT = "invalid_event"
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
    UNSUPPORTED_VERSION = "unsupported_version"
    EVENT_TOO_LARGE = "event_too_large"
    TIMESTAMP_IN_FUTURE = "timestamp_in_future"
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    MALFORMED_JSON = "malformed_json"
    INVALID_BATCH = "invalid_batch"
    BATCH_TOO_LARGE = "batch_too_large"
    # Access control (questlog.access), per event.
    FORBIDDEN = "forbidden"
    SESSION_NOT_OWNED = "session_not_owned"
    RATE_LIMITED = "rate_limited"
    UNKNOWN_REFERENCE = "unknown_reference"
    UNSUPPORTED_MOMENTUM = "unsupported_momentum"
    INVALID_BODY = "invalid_body"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"


HTTP_STATUS: dict[Code, int] = {
    Code.INVALID_EVENT: 422,
    Code.UNKNOWN_EVENT_TYPE: 422,
    Code.UNSUPPORTED_VERSION: 422,
    Code.EVENT_TOO_LARGE: 413,
    Code.TIMESTAMP_IN_FUTURE: 422,
    Code.TIMESTAMP_TOO_OLD: 422,
    Code.MALFORMED_JSON: 400,
    Code.INVALID_BATCH: 422,
    Code.BATCH_TOO_LARGE: 413,
    Code.FORBIDDEN: 403,
    Code.SESSION_NOT_OWNED: 403,
    Code.RATE_LIMITED: 429,
    Code.UNKNOWN_REFERENCE: 422,
    Code.UNSUPPORTED_MOMENTUM: 422,
    Code.INVALID_BODY: 422,
    Code.UNSUPPORTED_MEDIA_TYPE: 415,
}
