"""High diary sedation scores while on drugs the sources name as sedating."""

from __future__ import annotations

from datetime import date

from monitoring_helpers import alerts_for, only, rule_ids

from spsreg.monitoring import SiteMonitoringConfig

AS_OF = date(2025, 6, 1)
RULE = "diary_sedation_on_sedating_drugs"
BACLOFEN = {"drug": "baclofen", "dose": 10, "times": 3, "start": "2025-01-01"}


def diary(*days: tuple[str, int]) -> list[dict[str, object]]:
    return [{"at": d, "sedation": s} for d, s in days]


def test_three_high_days_on_baclofen() -> None:
    description = {
        "courses": [BACLOFEN],
        "diary": diary(("2025-05-19", 7), ("2025-05-25", 9), ("2025-06-01", 8)),
    }
    alert = only(alerts_for(description, AS_OF), RULE)
    assert (alert.rationale["days_high"], alert.rationale["highest"]) == (3, 9)
    assert alert.rationale["drugs"] == "Baclofen"
    assert alert.rationale["first_on"] == date(2025, 5, 19)


def test_threshold_and_window_boundaries() -> None:
    below = {
        "courses": [BACLOFEN],
        "diary": diary(("2025-05-20", 6), ("2025-05-25", 9), ("2025-06-01", 8)),
    }
    assert alerts_for(below, AS_OF) == []
    outside = {
        "courses": [BACLOFEN],
        "diary": diary(("2025-05-18", 9), ("2025-05-25", 9), ("2025-06-01", 8)),
    }
    assert alerts_for(outside, AS_OF) == []  # 2025-05-18 is 15 days back


def test_days_before_the_sedating_drug_started_do_not_count() -> None:
    late = {**BACLOFEN, "start": "2025-05-24"}
    description = {
        "courses": [late],
        "diary": diary(("2025-05-20", 9), ("2025-05-25", 9), ("2025-06-01", 8)),
    }
    assert alerts_for(description, AS_OF) == []


def test_site_settings_change_the_threshold() -> None:
    description = {"courses": [BACLOFEN], "diary": diary(("2025-05-20", 6), ("2025-05-25", 6))}
    config = SiteMonitoringConfig(settings={RULE: {"sedation_threshold": 5, "min_days": 2}})
    assert rule_ids(alerts_for(description, AS_OF, config)) == [RULE]
