"""Monitoring gaps: no stiffness index or heightened-sensitivity score for the site's interval."""

from __future__ import annotations

from datetime import date

import pytest
from monitoring_helpers import alerts_for, only, rule_ids

from spsreg.monitoring import SiteMonitoringConfig

VISIT = {
    "visits": [
        {"at": "2024-06-01", "scales": {"stiffness_index": {}, "heightened_sensitivity": {}}}
    ]
}
BOTH = ["heightened_sensitivity_gap", "stiffness_index_gap"]


@pytest.mark.parametrize(("as_of", "expected"), [(date(2025, 6, 1), []), (date(2025, 6, 2), BOTH)])
def test_gap_boundary_at_the_default_interval(as_of: date, expected: list[str]) -> None:
    assert rule_ids(alerts_for(VISIT, as_of)) == expected  # 365 days after 2024-06-01 is 2025-06-01


def test_gap_alert_names_the_scale_and_due_date() -> None:
    alert = only(alerts_for(VISIT, date(2025, 7, 1)), "stiffness_index_gap")
    assert alert.rationale["last_on"] == date(2024, 6, 1)
    assert alert.due == date(2025, 6, 1)
    assert "Stiffness" in alert.message or "stiffness" in alert.message


def test_a_later_visit_without_the_scale_does_not_close_the_gap() -> None:
    description = {"visits": [*VISIT["visits"], {"at": "2025-05-01", "scales": {"mrs": {}}}]}
    assert rule_ids(alerts_for(description, date(2025, 7, 1))) == BOTH


def test_never_assessed_counts_from_the_first_visit_or_first_contact() -> None:
    assert alerts_for({}, date(2025, 7, 1)) == []  # nothing to count from
    description = {"patient": {"first_contact": "2024-01-01"}}
    alert = only(alerts_for(description, date(2025, 7, 1)), "heightened_sensitivity_gap")
    assert alert.rationale["last_on"] is None and alert.rationale["since"] == date(2024, 1, 1)


def test_interval_is_a_site_setting() -> None:
    config = SiteMonitoringConfig(settings={"stiffness_index_gap": {"max_interval_days": 183}})
    assert rule_ids(alerts_for(VISIT, date(2025, 1, 1), config)) == ["stiffness_index_gap"]
