"""Every fixture through the HTTP API: valid ones stored, invalid ones rejected with their code."""

from __future__ import annotations

import httpx
import pytest
from contracts_on_disk import CATALOG_NAMES, catalog_fixtures

from questlog.ingest.codes import HTTP_STATUS, Code

FIXTURES = catalog_fixtures()
# The references a valid fixture may rest on (seed 003): a MOMENTUM_SHIFT naming a poll
# needs that poll stored, with a margin that moved.
REFERENCES = [
    {"type": "POLL_INTERVAL", "poll_id": "poll_id", "leading_candidate": "a", "margin": m,
     "moe": 1.0} for m in (1.0, 2.0)
]


@pytest.mark.parametrize("catalog", CATALOG_NAMES)
async def test_each_valid_fixture_is_accepted_and_stored(
    catalog: str, ingest_client: httpx.AsyncClient, read_client: httpx.AsyncClient
) -> None:
    valid = FIXTURES[catalog]["valid"]
    for reference in REFERENCES:
        assert (await ingest_client.post("/api/v1/events", json=reference)).status_code == 202
    answers = [await ingest_client.post("/api/v1/events", json=event) for event in valid]

    refused = [(e, a.json()) for e, a in zip(valid, answers, strict=True) if a.status_code != 202]
    assert not refused
    assert all(a.json()["data"]["accepted"] == 1 for a in answers)
    stored = await read_client.get("/api/v1/events", params={"page_size": 1000})
    assert stored.json()["meta"]["total"] == len(valid) + len(REFERENCES)


@pytest.mark.parametrize("catalog", CATALOG_NAMES)
async def test_each_invalid_fixture_is_rejected_with_its_code(
    catalog: str, ingest_client: httpx.AsyncClient
) -> None:
    wrong = []
    for fixture in FIXTURES[catalog]["invalid"]:
        answer = await ingest_client.post("/api/v1/events", json=fixture["event"])
        expected = (HTTP_STATUS[Code(fixture["code"])], fixture["code"])
        if (answer.status_code, answer.json()["error"]["code"]) != expected:
            wrong.append((fixture["why"], expected, answer.status_code, answer.json()["error"]))
    assert not wrong


@pytest.mark.parametrize("catalog", CATALOG_NAMES)
async def test_a_batch_of_all_fixtures_stores_the_valid_and_rejects_each_invalid_one(
    catalog: str, ingest_client: httpx.AsyncClient
) -> None:
    valid, invalid = FIXTURES[catalog]["valid"], FIXTURES[catalog]["invalid"]
    events = [f["event"] for f in invalid] + valid
    for reference in REFERENCES:
        assert (await ingest_client.post("/api/v1/events", json=reference)).status_code == 202

    answer = await ingest_client.post("/api/v1/events/batch", json={"events": events})

    data = answer.json()["data"]
    assert answer.status_code == 200
    assert (data["accepted"], data["duplicates"]) == (len(valid), 0)
    assert [(r["index"], r["code"]) for r in data["rejections"]] == [
        (i, f["code"]) for i, f in enumerate(invalid)
    ]
