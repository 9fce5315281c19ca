"""Helpers for the monitoring unit tests: a compact timeline evaluated with the shipped rules.

The compact timeline format is the scenario table's (tests/scenarios/monitoring_scenario_builder.py),
so a unit test and a scenario describe a patient the same way.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scenarios"))

from monitoring_scenario_builder import build_record, build_timeline

from spsreg.monitoring import Alert, SiteMonitoringConfig, evaluate, load_rule_book

__all__ = ["alerts_for", "build_record", "build_timeline", "only", "rule_ids"]


def alerts_for(
    description: dict[str, Any], as_of: date, config: SiteMonitoringConfig | None = None
) -> list[Alert]:
    return evaluate(build_timeline(description), as_of, load_rule_book(), config)


def rule_ids(alerts: list[Alert]) -> list[str]:
    return sorted(alert.rule_id for alert in alerts)


def only(alerts: list[Alert], rule_id: str) -> Alert:
    """The one alert of a rule (fails when there is none or more than one)."""
    matching = [alert for alert in alerts if alert.rule_id == rule_id]
    assert len(matching) == 1, [a.rule_id for a in alerts]
    return matching[0]
