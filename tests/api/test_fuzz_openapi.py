"""Fuzzing from the OpenAPI document: schemathesis generates requests for every operation,
valid and invalid ones, and each is sent with every kind of credential (an ingest, read
and admin key, a player token, none). Every answer must be no 5xx, match the document
(status, content type, headers, body schema) and be the envelope.

Bounded: FUZZ_EXAMPLES generated requests per operation (each sent five times), with
derandomized generation, so a CI run takes the same path every time.
"""

from __future__ import annotations

import json
import os
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from openapi_app import CREDENTIALS, OPERATIONS
from openapi_app import app_stops_after_the_module as app_stops_after_the_module
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Per operation; QUESTLOG_FUZZ_EXAMPLES raises it for a longer run by hand.
FUZZ_EXAMPLES = int(os.environ.get("QUESTLOG_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


def assert_envelope(status: int, text: str, *, seed_shaped: bool) -> None:
    """Questlog's envelope; a seed's own route answers success in that seed's shape, and
    an export streams NDJSON or CSV (their errors are still the envelope)."""
    if status < 400 and seed_shaped:
        return
    body = json.loads(text) if text.strip() else {"status": status, "empty": True}
    if status < 400:
        assert body["ok"] is True, text[:300]
        assert set(body) == {"ok", "data", "meta"}, text[:300]
    else:
        assert body["ok"] is False, text[:300]
        assert set(body) == {"ok", "error"}, text[:300]
        assert set(body["error"]) == {"code", "message", "details"}, text[:300]
        assert body["error"]["code"], text[:300]


def cases(operation: Any) -> st.SearchStrategy[Any]:
    positive = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
    try:
        negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    except Exception:  # nothing to make invalid (no parameters, no body)
        return positive
    return st.one_of(positive, negative)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_every_answer_to_generated_requests_matches_the_document(operation: Any) -> None:
    seed_shaped = any(tag.startswith("seed ") for tag in operation.definition.raw.get("tags", []))

    @given(case=cases(operation))
    @hypothesis_settings(
        max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        for name, credential in CREDENTIALS.items():
            headers = {"Authorization": f"Bearer {credential}"} if credential else {}
            response = case.call(headers=headers)
            note = f"{name}: {case.method} {case.formatted_path} -> {response.status_code}"
            assert response.status_code < 500, f"{note}: {response.text[:300]}"
            case.validate_response(response, checks=CHECKS, headers=headers)
            [kind] = response.headers.get("content-type") or [""]  # schemathesis: lists
            streamed = not kind.startswith("application/json")
            assert_envelope(response.status_code, response.text,
                            seed_shaped=seed_shaped or streamed)

    fuzz()
