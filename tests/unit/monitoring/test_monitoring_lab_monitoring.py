"""Laboratory monitoring anchored to the first dose, the maximum dose, or an interval on treatment."""

from __future__ import annotations

from datetime import date

import pytest
from monitoring_helpers import alerts_for, only, rule_ids

from spsreg.monitoring import SiteMonitoringConfig

RITUXIMAB = {
    "drug": "rituximab",
    "route": "iv",
    "dose": 1,
    "unit": "g",
    "times": 1,
    "period_days": 14,
    "start": "2025-05-20",
    "stop": "2025-06-04",
    "reason": "course_completed",
}
HBV = "hbv_screen_before_anti_cd20"


def rituximab(*labs: tuple[str, str]) -> dict[str, object]:
    return {"courses": [RITUXIMAB], "labs": [{"analyte": a, "at": d} for a, d in labs]}


def test_hbv_screen_needs_both_markers_from_the_pack_need() -> None:
    alert = only(alerts_for(rituximab(("hbsag", "2025-05-01")), date(2025, 5, 20)), HBV)
    assert alert.severity.value == "critical"
    assert alert.rationale["missing"] == "Hepatitis B core antibody (total)"
    assert alert.due == date(2025, 5, 20)
    assert any("OBINUTUZUMAB" in (c.url or "") for c in alert.citations)


def test_screen_on_the_first_dose_day_counts_and_a_day_later_does_not() -> None:
    on_day = rituximab(("hbsag", "2025-05-20"), ("anti_hbc", "2025-05-20"))
    assert alerts_for(on_day, date(2025, 5, 20)) == []
    late = rituximab(("hbsag", "2025-05-21"), ("anti_hbc", "2025-05-21"))
    assert rule_ids(alerts_for(late, date(2025, 5, 20))) == [HBV]
    # once the (late) screen is on record the gap is closed going forward
    assert alerts_for(late, date(2025, 5, 22)) == []


def test_no_hbv_alert_once_anti_cd20_is_over() -> None:
    assert alerts_for(rituximab(), date(2025, 7, 1)) == []


TIZANIDINE_STEPS = [
    {"from": "2025-01-01", "dose": 2, "times": 3},
    {"from": "2025-03-01", "dose": 2, "times": 4},
]


@pytest.mark.parametrize(
    ("baseline", "expected"),
    [("2024-10-03", []), ("2024-10-02", ["tizanidine_baseline_aminotransferases"])],
)
def test_baseline_window_boundary(baseline: str, expected: list[str]) -> None:
    description = {
        "courses": [{"drug": "tizanidine", "dose": 2, "times": 3, "start": "2025-01-01"}],
        "labs": [{"analyte": "alt", "at": baseline}],
    }
    assert rule_ids(alerts_for(description, date(2025, 1, 10))) == expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2025, 4, 1), []),
        (date(2025, 4, 2), ["tizanidine_aminotransferases_after_maximum_dose"]),
    ],
)
def test_one_calendar_month_after_the_maximum_dose(as_of: date, expected: list[str]) -> None:
    description = {
        "courses": [{"drug": "tizanidine", "steps": TIZANIDINE_STEPS}],
        "labs": [{"analyte": "ast", "at": "2024-12-30"}],
    }
    assert rule_ids(alerts_for(description, as_of)) == expected


def test_after_maximum_alert_names_the_maximum_and_either_analyte_satisfies() -> None:
    description = {
        "courses": [{"drug": "tizanidine", "steps": TIZANIDINE_STEPS}],
        "labs": [{"analyte": "ast", "at": "2024-12-30"}],
    }
    alert = only(
        alerts_for(description, date(2025, 4, 5)), "tizanidine_aminotransferases_after_maximum_dose"
    )
    assert (alert.rationale["anchor_on"], alert.rationale["daily_dose"]) == (date(2025, 3, 1), 8.0)
    assert alert.rationale["missing"] == "Alanine aminotransferase or Aspartate aminotransferase"
    description["labs"].append({"analyte": "ast", "at": "2025-03-02"})  # type: ignore[attr-defined]
    assert alerts_for(description, date(2025, 4, 5)) == []


def test_glucose_interval_on_a_corticosteroid_only_in_diabetes() -> None:
    prednisone = {"drug": "prednisone", "dose": 30, "times": 1, "start": "2025-05-01"}
    diabetic = {"comorbidities": ["type_1_diabetes"], "courses": [prednisone]}
    assert alerts_for(diabetic, date(2025, 5, 8)) == []  # due on day 7
    alert = only(
        alerts_for(diabetic, date(2025, 5, 9)), "corticosteroid_glucose_monitoring_in_diabetes"
    )
    assert alert.rationale["last_checked_on"] is None and alert.due == date(2025, 5, 8)
    assert alerts_for({"courses": [prednisone]}, date(2025, 5, 9)) == []
    weekly = SiteMonitoringConfig(
        settings={"corticosteroid_glucose_monitoring_in_diabetes": {"interval_days": 14}}
    )
    assert alerts_for(diabetic, date(2025, 5, 9), weekly) == []


def test_a_resolved_comorbidity_is_not_a_risk_factor() -> None:
    prednisone = {"drug": "prednisone", "dose": 30, "times": 1, "start": "2025-05-01"}
    resolved = {"kind": "renal_insufficiency", "since": "2020-01-01", "resolved": "2024-01-01"}
    ivig = {
        "drug": "ivig",
        "route": "iv",
        "dose": 2,
        "unit": "g/kg",
        "weight": 70,
        "every": 28,
        "course_days": 2,
        "start": "2025-05-01",
    }
    assert (
        alerts_for({"comorbidities": [resolved], "courses": [prednisone, ivig]}, date(2025, 5, 9))
        == []
    )


def test_renal_risk_by_age_uses_the_cited_age() -> None:
    ivig = {
        "drug": "ivig",
        "route": "iv",
        "dose": 2,
        "unit": "g/kg",
        "weight": 70,
        "every": 28,
        "course_days": 2,
        "start": "2025-05-01",
    }
    older = {"patient": {"birth": "1959-04"}, "courses": [ivig]}  # 66 on 2025-05-09
    alert = only(alerts_for(older, date(2025, 5, 9)), "ivig_renal_function_before_first_course")
    assert alert.rationale["risk"] == "age over 65"
    younger = {"patient": {"birth": "1960-01"}, "courses": [ivig]}  # 65: not over 65
    assert alerts_for(younger, date(2025, 5, 9)) == []
