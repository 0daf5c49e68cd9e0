"""The Dockerfile and docker-compose.yml, checked as files: Docker cannot run here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from questlog.settings import parse_api_keys

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert set(compose["volumes"]) >= {"mongodb-data"}
    return dict(compose["services"])


def stages() -> dict[str, str]:
    """Each stage of the Dockerfile by name, with its instructions."""
    parts = re.split(r"^FROM\s+", DOCKERFILE, flags=re.MULTILINE)[1:]
    named = {}
    for part in parts:
        header, _, body = part.partition("\n")
        match = re.fullmatch(r"(\S+)\s+AS\s+(\S+)\s*", header, flags=re.IGNORECASE)
        assert match, f"every stage is named: FROM {header}"
        named[match.group(2)] = f"FROM {match.group(1)}\n{body}"
    return named


def test_compose_runs_mongodb_with_a_volume_and_a_ping_healthcheck(services: dict[str, Any]):
    mongodb = services["mongodb"]
    assert mongodb["image"] == "mongo:7"
    assert "mongodb-data:/data/db" in mongodb["volumes"]
    check = " ".join(mongodb["healthcheck"]["test"])
    assert check.startswith("CMD mongosh --quiet --eval")
    assert "db.adminCommand('ping').ok" in check


def test_compose_runs_mongodb_as_a_replica_set_its_healthcheck_initiates(
    services: dict[str, Any],
):
    mongodb = services["mongodb"]
    assert mongodb["command"][:2] == ["--replSet", "rs0"]
    check = " ".join(mongodb["healthcheck"]["test"])
    assert "rs.initiate({_id: 'rs0', members: [{_id: 0, host: 'mongodb:27017'}]})" in check
    for name, variable in (("questlog", "QUESTLOG_MONGODB_URL"),
                           ("tests", "QUESTLOG_TEST_MONGODB_URL")):
        assert services[name]["environment"][variable].endswith("?replicaSet=rs0")


def test_compose_starts_questlog_once_mongodb_is_healthy(services: dict[str, Any]):
    questlog = services["questlog"]
    assert questlog["depends_on"]["mongodb"]["condition"] == "service_healthy"
    assert questlog["environment"]["QUESTLOG_MONGODB_URL"].startswith("mongodb://mongodb:27017")
    assert "8000:8000" in questlog["ports"]
    assert questlog["build"]["context"] == "."


def test_the_local_api_key_default_is_a_placeholder_the_service_accepts(
    services: dict[str, Any],
):
    value = services["questlog"]["environment"]["QUESTLOG_API_KEYS"]
    match = re.fullmatch(r"\$\{QUESTLOG_API_KEYS:-(.+)\}", value)
    assert match, "QUESTLOG_API_KEYS comes from the environment, with a default"
    keys = parse_api_keys(match.group(1))
    assert len(keys) == 1
    assert "change-me" in next(iter(keys))


def test_tests_service_runs_the_suite_against_the_compose_mongodb(services: dict[str, Any]):
    tests = services["tests"]
    assert tests["profiles"] == ["test"]  # left out of `docker compose up`
    assert tests["depends_on"]["mongodb"]["condition"] == "service_healthy"
    assert tests["environment"]["QUESTLOG_TEST_MONGODB_URL"].startswith("mongodb://mongodb:27017")
    assert tests["command"][:3] == ["python", "-m", "pytest"]


def test_every_build_target_of_compose_is_a_dockerfile_stage(services: dict[str, Any]):
    targets = {s["build"]["target"] for s in services.values() if "build" in s}
    assert services["prometheus"]["profiles"] == ["monitoring"]
    assert targets == {"runtime", "test"}
    assert targets <= set(stages())
    assert "[test]" in stages()["test"]


def test_image_installs_with_the_pins_and_serves_as_a_non_root_user():
    assert stages()["base"].startswith("FROM python:3.11-slim\n")
    assert "pip install -c constraints.txt ." in stages()["base"]
    created = re.search(r"useradd .*?(\S+)$", stages()["base"], flags=re.MULTILINE)
    assert created, "the base stage creates the user the service runs as"
    runtime = stages()["runtime"]
    for stage in ("runtime", "test"):
        users = re.findall(r"^USER\s+(\S+)", stages()[stage], flags=re.MULTILINE)
        assert users[-1:] == [created.group(1)]
    assert 'CMD ["questlog", "serve", "--host", "0.0.0.0", "--port", "8000"]' in runtime
    assert list(stages())[-1] == "runtime", "a plain `docker build .` builds the service"


def test_image_healthcheck_asks_the_health_endpoint_with_python():
    healthcheck = next(
        line for line in stages()["runtime"].replace("\\\n", " ").splitlines()
        if line.startswith("HEALTHCHECK")
    )
    assert "urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health'" in healthcheck
    assert "curl" not in healthcheck


def test_dockerignore_keeps_the_venv_git_and_caches_out():
    ignored = set((ROOT / ".dockerignore").read_text().splitlines())
    assert {".git", ".venv", "**/__pycache__", ".pytest_cache", ".hypothesis"} <= ignored
    # The suite runs inside the image: what it reads must not be ignored.
    assert not ignored & {"tests", "contracts", "pyproject.toml", "constraints.txt"}
