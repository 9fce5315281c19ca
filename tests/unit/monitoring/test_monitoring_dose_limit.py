"""Dose above a cited maximum: label maximum vs SPS-reported doses, numbers read from drugs.yaml."""

from __future__ import annotations

from datetime import date

import pytest
from monitoring_helpers import alerts_for, only, rule_ids

AS_OF = date(2025, 6, 1)


def diazepam(dose: float, times: int) -> dict[str, object]:
    return {"courses": [{"drug": "diazepam", "dose": dose, "times": times, "start": "2025-01-01"}]}


def test_label_maximum_is_ten_mg_four_times_a_day_from_the_pack() -> None:
    alert = only(alerts_for(diazepam(10, 5), AS_OF), "diazepam_above_label_maximum")
    assert alert.rationale["daily_dose"] == 50.0
    assert alert.rationale["limit"] == 40.0
    assert alert.rationale["since"] == date(2025, 1, 1)
    assert "10 mg per dose, up to 4 doses a day" in alert.message
    assert any("ec433be5" in (c.url or "") for c in alert.citations)


@pytest.mark.parametrize(("dose", "times"), [(10, 4), (20, 2), (5, 2)])
def test_at_or_below_the_label_maximum_gives_nothing(dose: float, times: int) -> None:
    assert alerts_for(diazepam(dose, times), AS_OF) == []


def test_above_the_sps_literature_maximum_is_a_separate_warning() -> None:
    alerts = alerts_for(diazepam(26, 4), AS_OF)  # 104 mg/day
    assert only(alerts, "diazepam_above_sps_reported_maximum").rationale["limit"] == 100.0
    assert only(alerts, "diazepam_above_label_maximum").severity.value == "info"


def test_just_at_the_sps_maximum_is_not_above_it() -> None:
    alerts = alerts_for(diazepam(25, 4), AS_OF)  # 100 mg/day
    assert "diazepam_above_sps_reported_maximum" not in rule_ids(alerts)


def test_oral_baclofen_label_maximum_80_mg() -> None:
    course = {"drug": "baclofen", "dose": 20, "times": 4, "start": "2025-01-01"}
    assert alerts_for({"courses": [course]}, AS_OF) == []
    alerts = alerts_for({"courses": [{**course, "dose": 21}]}, AS_OF)
    alert = only(alerts, "oral_baclofen_above_label_maximum")
    assert alert.rationale["limit"] == 80.0 and alert.severity.value == "warning"


def test_intrathecal_dose_is_compared_and_shown_in_micrograms() -> None:
    course = {
        "drug": "baclofen",
        "route": "intrathecal",
        "dose": 850,
        "unit": "mcg",
        "continuous": True,
        "start": "2025-01-01",
    }
    alert = only(
        alerts_for({"courses": [course]}, AS_OF), "intrathecal_baclofen_above_sps_reported_maximum"
    )
    assert alert.rationale["unit"] == "mcg"
    assert alert.rationale["daily_dose"] == pytest.approx(850.0)
    assert alert.rationale["limit"] == 800.0


def test_oral_and_intrathecal_baclofen_are_judged_separately() -> None:
    courses = [
        {"drug": "baclofen", "dose": 20, "times": 4, "start": "2025-01-01"},
        {
            "drug": "baclofen",
            "route": "intrathecal",
            "dose": 700,
            "unit": "mcg",
            "continuous": True,
            "start": "2025-01-01",
        },
    ]
    assert alerts_for({"courses": courses}, AS_OF) == []


def test_an_as_needed_course_has_no_daily_dose_to_judge() -> None:
    course = {"drug": "diazepam", "dose": 30, "times": 4, "prn": True, "start": "2025-01-01"}
    assert alerts_for({"courses": [course]}, AS_OF) == []


def test_a_stopped_course_is_not_judged_after_its_stop() -> None:
    course = {
        "drug": "diazepam",
        "dose": 10,
        "times": 5,
        "start": "2025-01-01",
        "stop": "2025-06-01",
    }
    assert "diazepam_above_label_maximum" in rule_ids(
        alerts_for({"courses": [course]}, date(2025, 5, 31))
    )
    assert rule_ids(alerts_for({"courses": [course]}, AS_OF)) == ["benzodiazepine_abrupt_stop"]
