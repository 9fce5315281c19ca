"""Withdrawal risk: stops without a taper, large step-downs, and any intrathecal interruption."""

from __future__ import annotations

from datetime import date

import pytest
from monitoring_helpers import alerts_for, only, rule_ids

from spsreg.monitoring import SiteMonitoringConfig

AS_OF = date(2025, 6, 1)


def stopped(drug: str, stop: str, **extra: object) -> dict[str, object]:
    return {
        "courses": [
            {
                "drug": drug,
                "dose": 10,
                "times": 3,
                "start": "2024-01-01",
                "stop": stop,
                "reason": "patient_choice",
                **extra,
            }
        ]
    }


def test_abrupt_benzodiazepine_stop_names_the_dose_and_date() -> None:
    alert = only(alerts_for(stopped("diazepam", "2025-05-20"), AS_OF), "benzodiazepine_abrupt_stop")
    assert alert.rationale["daily_dose"] == 30.0
    assert alert.rationale["stopped_on"] == date(2025, 5, 20)
    assert "30 mg/day was stopped on 2025-05-20" in alert.message


@pytest.mark.parametrize(
    ("stop", "shown"), [("2025-05-05", True), ("2025-05-04", False), ("2025-06-01", True)]
)
def test_the_stop_is_shown_for_the_site_recent_window(stop: str, shown: bool) -> None:
    # recent_days 28: from the stop day to 27 days after it
    assert (
        "benzodiazepine_abrupt_stop" in rule_ids(alerts_for(stopped("diazepam", stop), AS_OF))
    ) is shown


def test_a_stop_after_a_dose_reduction_in_the_taper_window_is_a_taper() -> None:
    steps = [
        {"from": "2024-01-01", "dose": 10, "times": 3},
        {"from": "2025-05-01", "dose": 10, "times": 2},
    ]
    description = {
        "courses": [
            {"drug": "diazepam", "steps": steps, "stop": "2025-05-25", "reason": "course_completed"}
        ]
    }
    assert alerts_for(description, AS_OF) == []
    short = SiteMonitoringConfig(settings={"benzodiazepine_abrupt_stop": {"taper_window_days": 14}})
    assert rule_ids(alerts_for(description, AS_OF, short)) == ["benzodiazepine_abrupt_stop"]


def test_large_step_down_boundary_at_the_site_fraction() -> None:
    def cut_to(times: int) -> dict[str, object]:
        steps = [
            {"from": "2024-01-01", "dose": 10, "times": 4},
            {"from": "2025-05-20", "dose": 10, "times": times},
        ]
        return {"courses": [{"drug": "diazepam", "steps": steps}]}

    assert rule_ids(alerts_for(cut_to(2), AS_OF)) == ["benzodiazepine_large_step_down"]  # 50%
    assert alerts_for(cut_to(3), AS_OF) == []  # 25%
    alert = only(alerts_for(cut_to(1), AS_OF), "benzodiazepine_large_step_down")
    assert (alert.rationale["from_dose"], alert.rationale["to_dose"]) == (40.0, 10.0)
    assert alert.rationale["drop_percent"] == 75


def test_a_dose_increase_is_not_a_step_down() -> None:
    steps = [
        {"from": "2025-05-01", "dose": 10, "times": 2},
        {"from": "2025-05-20", "dose": 10, "times": 4},
    ]
    alerts = alerts_for({"courses": [{"drug": "diazepam", "steps": steps}]}, AS_OF)
    assert "benzodiazepine_large_step_down" not in rule_ids(alerts)


def test_switching_to_another_benzodiazepine_the_same_day_is_not_a_stop() -> None:
    description = stopped("diazepam", "2025-05-20")
    description["courses"].append(
        {"drug": "clonazepam", "dose": 1, "times": 2, "start": "2025-05-20"}
    )  # type: ignore[attr-defined]
    assert "benzodiazepine_abrupt_stop" not in rule_ids(alerts_for(description, AS_OF))


def test_oral_baclofen_stop_is_its_own_rule() -> None:
    alerts = alerts_for(stopped("baclofen", "2025-05-20"), AS_OF)
    assert rule_ids(alerts) == ["oral_baclofen_abrupt_stop"]


def test_any_intrathecal_interruption_is_critical_even_after_a_reduction() -> None:
    steps = [{"from": "2024-01-01", "dose": 300}, {"from": "2025-05-25", "dose": 150}]
    description = {
        "courses": [
            {
                "drug": "baclofen",
                "route": "intrathecal",
                "unit": "mcg",
                "continuous": True,
                "steps": steps,
                "stop": "2025-05-30",
                "reason": "other",
            }
        ]
    }
    alert = only(alerts_for(description, AS_OF), "intrathecal_baclofen_interruption")
    assert alert.severity.value == "critical"
    assert alert.rationale["unit"] == "mcg" and alert.rationale["daily_dose"] == pytest.approx(
        150.0
    )


def test_continuing_intrathecal_baclofen_is_not_an_interruption() -> None:
    description = {
        "courses": [
            {
                "drug": "baclofen",
                "route": "intrathecal",
                "dose": 300,
                "unit": "mcg",
                "continuous": True,
                "start": "2024-01-01",
            }
        ]
    }
    assert alerts_for(description, AS_OF) == []
