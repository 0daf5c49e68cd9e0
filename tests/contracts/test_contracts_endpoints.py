"""The endpoint table and the OpenAPI document tell clients the same answers."""

from __future__ import annotations

import pytest

from questlog.api.app import create_app
from questlog.contracts.endpoints import DECLARED_ERRORS
from questlog.settings import Settings

OPENAPI = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("route", "errors"), sorted(DECLARED_ERRORS.items()), ids=" ".join
)
def test_each_declared_error_status_is_documented_in_openapi(
    route: tuple[str, str], errors: tuple[str, ...]
) -> None:
    method, path = route
    documented = set(OPENAPI["paths"][path][method.lower()]["responses"])

    assert {error.split()[0] for error in errors} <= documented
