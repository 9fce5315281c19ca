"""Pre-infusion precautions for IVIG in patients with thrombosis risk factors."""

from __future__ import annotations

from datetime import date

from monitoring_helpers import alerts_for, only

IVIG = {
    "drug": "ivig",
    "route": "iv",
    "dose": 2,
    "unit": "g/kg",
    "weight": 70,
    "every": 28,
    "course_days": 2,
    "start": "2025-01-06",
}
RULE = "ivig_thrombosis_risk_precautions"


def test_reminder_belongs_to_the_next_course() -> None:
    description = {
        "comorbidities": ["hyperviscosity", "cardiovascular_risk_factor"],
        "courses": [IVIG],
        "given": [{"drug": "ivig", "at": "2025-01-06"}],
    }
    first = only(alerts_for(description, date(2025, 1, 20)), RULE)
    assert first.due == date(2025, 2, 3)
    assert first.rationale["risk"] == "hyperviscosity, cardiovascular risk factor"
    description["given"].append({"drug": "ivig", "at": "2025-02-03"})  # type: ignore[attr-defined]
    second = only(alerts_for(description, date(2025, 2, 10)), RULE)
    assert second.due == date(2025, 3, 3)
    assert second.fingerprint != first.fingerprint


def test_no_reminder_without_a_risk_factor_or_without_ivig() -> None:
    assert [
        a for a in alerts_for({"courses": [IVIG]}, date(2025, 1, 20)) if a.rule_id == RULE
    ] == []
    assert alerts_for({"comorbidities": ["history_of_thrombosis"]}, date(2025, 1, 20)) == []


def test_a_risk_factor_diagnosed_later_counts_from_its_diagnosis() -> None:
    later = {"kind": "history_of_thrombosis", "since": "2025-03-01"}
    description = {"comorbidities": [later], "courses": [IVIG]}
    assert [
        a.rule_id for a in alerts_for(description, date(2025, 1, 20)) if a.rule_id == RULE
    ] == []
    assert RULE in [a.rule_id for a in alerts_for(description, date(2025, 3, 2))]
