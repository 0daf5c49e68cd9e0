"""deploy/prometheus/alerts.yml is a valid rule file whose every metric /metrics exports,
and the Grafana dashboard beside it plots only exported series."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "questlog-dashboard.json"
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression reads (not its functions, labels or keywords)."""
    text = re.sub(r'"[^"]*"', "", expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\b\d[\d.]*(e[-+]?\d+)?", "", text)
    names = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*(?!\s*\(|[A-Za-z0-9_:])", text))
    return names - KEYWORDS


def exported(text: str) -> set[str]:
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        if family.type == "counter":
            names.add(f"{family.name}_total")
        if family.type == "histogram":
            names.update(f"{family.name}{s}" for s in ("_bucket", "_sum", "_count"))
    return names


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_metric_names_reads_series_not_functions_nor_labels() -> None:
    expr = ('histogram_quantile(0.95, sum by (le) (rate(a_bucket{x="y z"}[5m]))) > 0.1 '
            "or min(b) == 0 and c_total / clamp_min(d, 1e-9)")
    assert metric_names(expr) == {"a_bucket", "b", "c_total", "d"}


def test_rule_file_has_prometheus_rule_format() -> None:
    document = yaml.safe_load(RULES.read_text())
    assert set(document) == {"groups"}
    group_names = [g["name"] for g in document["groups"]]
    assert len(group_names) == len(set(group_names))
    alerts = [r["alert"] for r in rules()]
    assert len(alerts) == len(set(alerts))
    for rule in rules():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", rule["alert"])
        assert isinstance(rule["expr"], str)
        assert rule["expr"].strip()
        assert "for" not in rule or DURATION.match(rule["for"]), rule["for"]
        assert rule["labels"]["severity"] in {"info", "warning", "critical", "page"}
        assert rule["annotations"]["summary"]


def test_rules_cover_the_seeds_alerts() -> None:
    by_name = {r["alert"]: r for r in rules()}
    assert "> 0.05" in by_name["QuestlogRejectionRateHigh"]["expr"]
    assert "> 0.01" in by_name["QuestlogInsertFailureRateHigh"]["expr"]
    assert "0.95" in by_name["QuestlogInsertLatencyHigh"]["expr"]
    assert "> 0.1" in by_name["QuestlogInsertLatencyHigh"]["expr"]
    assert "< 2" in by_name["QuestlogBatchSizeLow"]["expr"]
    for lagging in ("QuestlogEvaluatorLagging", "QuestlogJobLagging"):
        assert "> 120" in by_name[lagging]["expr"]
        assert by_name[lagging]["for"] == "5m"
    assert "analytics_drop_total" in by_name["QuestlogEventsDropped"]["expr"]


@pytest.fixture
async def scraped(anonymous_client: httpx.AsyncClient) -> set[str]:
    response = await anonymous_client.get("/metrics")
    assert response.status_code == 200
    return exported(response.text)


async def test_every_metric_the_rules_use_is_exported(scraped: set[str]) -> None:
    used = set().union(*(metric_names(r["expr"]) for r in rules()))
    assert used, "the rules read no metric at all"
    assert used <= scraped, f"not exported: {sorted(used - scraped)}"


async def test_every_series_the_dashboard_plots_is_exported(scraped: set[str]) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = set().union(*(metric_names(e) for e in exprs))
    assert used <= scraped, f"not exported: {sorted(used - scraped)}"
    rule_metrics = set().union(*(metric_names(r["expr"]) for r in rules()))
    assert rule_metrics <= used, "the dashboard plots every series an alert watches"
