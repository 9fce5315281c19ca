"""The monitoring scenario table: every clinical situation gives exactly its expected alerts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from monitoring_scenario_builder import build_timeline, day

from spsreg.monitoring import evaluate, load_rule_book

TABLE = Path(__file__).with_name("monitoring_scenarios.yaml")
SCENARIOS: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text(encoding="utf-8"))


def test_the_table_has_at_least_forty_situations_with_unique_names() -> None:
    names = [scenario["name"] for scenario in SCENARIOS]
    assert len(names) >= 40
    assert len(set(names)) == len(names)


def test_every_rule_is_expected_somewhere_in_the_table() -> None:
    expected = {alert["rule"] for scenario in SCENARIOS for alert in scenario["expect"]}
    assert expected == {rule.id for rule in load_rule_book().rules.rules}


@pytest.mark.parametrize(
    "scenario", SCENARIOS, ids=[s["name"].replace(" ", "-") for s in SCENARIOS]
)
def test_scenario_gives_exactly_the_expected_alerts(scenario: dict[str, Any]) -> None:
    timeline = build_timeline(scenario, patient_id=f"p-scenario-{SCENARIOS.index(scenario)}")
    alerts = evaluate(timeline, day(scenario["as_of"]), load_rule_book())
    found = sorted((a.rule_id, a.severity.value) for a in alerts)
    wanted = sorted((e["rule"], e["severity"]) for e in scenario["expect"])
    assert found == wanted, "\n".join(a.message for a in alerts)
    for alert in alerts:
        assert alert.citations, f"{alert.rule_id} has no source"
        assert "{" not in alert.message and "{" not in alert.action
