"""The shared sampling vectors are current: the TypeScript client tests against this file."""

from __future__ import annotations

import json

from sampling_vectors import VECTORS, render

from questlog.client.policy import in_sample


def test_committed_sampling_vectors_equal_the_python_clients_decisions() -> None:
    assert VECTORS.read_text(encoding="utf-8") == render(), (
        "clients/sampling-vectors.json is stale: run "
        "`.venv/bin/python tests/client/sampling_vectors.py` and commit it"
    )


def test_the_vectors_cover_both_answers_at_every_fractional_rate() -> None:
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    for rate in data["rates"]:
        answers = {case["in_sample"][repr(rate)] for case in data["cases"]}
        assert answers == ({True, False} if 0.05 < rate < 0.95 else answers)
    edges = data["edges"]
    assert {e["in_sample"] for e in edges} == {True, False}
    assert all(in_sample(e["key"], e["rate"]) == e["in_sample"] for e in edges)
