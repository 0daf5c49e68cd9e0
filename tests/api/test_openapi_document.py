"""The OpenAPI document describes each route exactly: event bodies, credentials, methods,
parameters as enforced; and /api/v1/docs serves Swagger UI from local files."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest
from referencing import Registry, Resource

from questlog.api.app import create_app
from questlog.api.deps import route_scopes
from questlog.contracts.fixtures import catalog_fixtures
from questlog.contracts.schemas import event_schema, schema_name
from questlog.events import CATALOGS, EVENT_MODELS, EVENT_TYPES
from questlog.settings import Settings

APP = create_app(Settings(_env_file=None, mongodb_url="memory"))  # type: ignore[call-arg]
DOCUMENT = APP.openapi()
SCHEMAS = DOCUMENT["components"]["schemas"]
OPERATIONS = {(method.upper(), path): op for path, item in DOCUMENT["paths"].items()
              for method, op in item.items()}


def validator(ref: str) -> jsonschema.Draft202012Validator:
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(
        {**DOCUMENT, "$schema": "https://json-schema.org/draft/2020-12/schema"}
    ))
    return jsonschema.Draft202012Validator({"$ref": f"urn:openapi{ref}"}, registry=registry)


def request_schema(method: str, path: str) -> dict[str, Any]:
    body = OPERATIONS[method, path]["requestBody"]["content"]["application/json"]["schema"]
    return dict(body)


def test_both_event_routes_take_the_discriminated_union_of_the_per_type_schemas() -> None:
    event = SCHEMAS["Event"]

    assert request_schema("POST", "/api/v1/events") == {"$ref": "#/components/schemas/Event"}
    batch = request_schema("POST", "/api/v1/events/batch")["properties"]["events"]
    assert batch["items"] == {"$ref": "#/components/schemas/Event"}
    assert event["discriminator"]["propertyName"] == "type"
    assert set(event["discriminator"]["mapping"]) == EVENT_TYPES
    assert len(event["oneOf"]) == len(EVENT_TYPES)


@pytest.mark.parametrize("model", EVENT_MODELS, ids=schema_name)
def test_each_per_type_component_is_the_contract_schema(model: Any) -> None:
    contract = event_schema(model)
    name = "Event." + schema_name(model).removesuffix(".json")

    component = SCHEMAS[name]

    assert component["properties"].keys() == contract["properties"].keys()
    assert component["required"] == contract["required"]
    assert component["additionalProperties"] is False


@pytest.mark.parametrize("catalog", CATALOGS)
def test_every_valid_fixture_is_an_event_of_the_document_and_no_other(catalog: str) -> None:
    fixtures = catalog_fixtures(CATALOGS[catalog])
    check = validator("#/components/schemas/Event")

    for event in fixtures["valid"]:
        check.validate(event)
    # A date-time without zone breaks format: date-time (RFC 3339), which jsonschema does
    # not check without an extra package; every other invalid fixture breaks the schema.
    rejected = [e["event"] for e in fixtures["invalid"]
                if e["code"] in ("invalid_event", "unknown_event_type", "unsupported_version")
                and "no time zone" not in e["why"]]
    assert rejected
    assert all(not check.is_valid(event) for event in rejected)


def test_every_route_needing_a_credential_declares_the_bearer_scheme() -> None:
    scopes = route_scopes(APP)

    assert DOCUMENT["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer",
        "description": "An API key (scopes ingest, read, admin) or a player token.",
    }
    for (method, path), operation in OPERATIONS.items():
        expected = [{"bearer": []}] if scopes[method, path] else None
        assert operation.get("security") == expected, (method, path)
    assert "security" not in OPERATIONS["GET", "/api/v1/health"]


def test_parameters_are_described_as_enforced() -> None:
    stats = {p["name"]: p for p in OPERATIONS["GET", "/api/v1/stats"]["parameters"]}
    progress = {p["name"]: p
                for p in OPERATIONS["GET", "/api/v1/achievements/progress"]["parameters"]}

    assert set(stats["type"]["schema"]["enum"]) == {*EVENT_TYPES, "session"}
    assert "scope=company" in stats["company_id"]["schema"]["description"]
    assert "Required with an API key" in progress["user_id"]["schema"]["description"]


@pytest.fixture
async def client() -> Any:
    async with APP.router.lifespan_context(APP):
        transport = httpx.ASGITransport(app=APP)
        async with httpx.AsyncClient(transport=transport, base_url="http://q") as http:
            yield http


async def test_options_answers_every_method_the_document_lists(client: httpx.AsyncClient) -> None:
    for path, item in DOCUMENT["paths"].items():
        url = path.replace("{user_id}", "p-1")
        documented = {m.upper() for m in item} | {"OPTIONS"}

        response = await client.options(url)

        assert response.status_code == 204, path
        # HEAD is implied by GET (Starlette answers it on the page routes), never documented.
        allowed = set(response.headers["allow"].split(", ")) - {"HEAD"}
        assert allowed == documented, path
    response = await client.options("/api/v1/events")
    assert response.headers["allow"] == "GET, POST, OPTIONS"


async def test_a_method_not_allowed_is_405_naming_all_that_are(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/events")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response.headers["allow"] == "GET, POST, OPTIONS"


async def test_the_docs_page_loads_swagger_ui_from_questlog_itself(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/api/v1/docs")

    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "https://" not in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"):
        assert f"/api/v1/docs/assets/{asset}" in page.text
        response = await client.get(f"/api/v1/docs/assets/{asset}")
        assert response.status_code == 200, asset
        assert len(response.content) > 1000, asset
    assert "persistAuthorization" in page.text


def test_the_batch_limit_is_this_processs_own() -> None:
    settings = Settings(_env_file=None, max_batch_events=50)  # type: ignore[call-arg]
    document = create_app(settings).openapi()

    body = document["paths"]["/api/v1/events/batch"]["post"]["requestBody"]
    events = body["content"]["application/json"]["schema"]["properties"]["events"]
    assert events["maxItems"] == 50
