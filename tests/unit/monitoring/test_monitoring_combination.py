"""Dangerous combinations named by cited interactions in drugs.yaml."""

from __future__ import annotations

from datetime import date

from monitoring_helpers import alerts_for, only, rule_ids

AS_OF = date(2025, 6, 1)
DIAZEPAM = {"drug": "diazepam", "dose": 5, "times": 2, "start": "2025-01-01"}
TRAMADOL = {"drug": "tramadol", "dose": 50, "times": 4, "prn": True, "start": "2025-05-01"}


def test_benzodiazepine_and_opioid_is_critical_with_the_pack_effect_and_sources() -> None:
    alert = only(alerts_for({"courses": [DIAZEPAM, TRAMADOL]}, AS_OF), "benzodiazepine_with_opioid")
    assert alert.severity.value == "critical"
    assert alert.rationale["first_drug"] == "Diazepam"
    assert alert.rationale["second_drug"] == "Tramadol"
    assert alert.rationale["since"] == date(2025, 5, 1)
    assert "respiratory depression" in alert.message
    assert len(alert.citations) >= 2


def test_starting_the_opioid_on_the_evaluation_day_counts() -> None:
    assert rule_ids(
        alerts_for({"courses": [DIAZEPAM, {**TRAMADOL, "start": "2025-06-01"}]}, AS_OF)
    ) == ["benzodiazepine_with_opioid"]


def test_an_opioid_stopped_the_day_before_is_no_longer_together() -> None:
    stopped = {**TRAMADOL, "stop": "2025-06-01", "reason": "course_completed"}
    assert alerts_for({"courses": [DIAZEPAM, stopped]}, AS_OF) == []


def test_opioid_alone_gives_nothing() -> None:
    assert alerts_for({"courses": [TRAMADOL]}, AS_OF) == []


def test_a_dose_change_does_not_change_when_the_combination_began() -> None:
    diazepam = {
        "drug": "diazepam",
        "steps": [
            {"from": "2025-01-01", "dose": 5, "times": 2},
            {"from": "2025-05-15", "dose": 5, "times": 3},
        ],
    }
    alert = only(alerts_for({"courses": [diazepam, TRAMADOL]}, AS_OF), "benzodiazepine_with_opioid")
    assert alert.rationale["since"] == date(2025, 5, 1)


def test_two_benzodiazepines_with_an_opioid_give_one_alert_per_pair() -> None:
    clonazepam = {"drug": "clonazepam", "dose": 0.5, "times": 2, "start": "2025-01-01"}
    alerts = alerts_for({"courses": [DIAZEPAM, clonazepam, TRAMADOL]}, AS_OF)
    pairs = sorted(
        a.rationale["first_drug"] for a in alerts if a.rule_id == "benzodiazepine_with_opioid"
    )
    assert pairs == ["Clonazepam", "Diazepam"]


def test_intrathecal_baclofen_with_an_opioid_is_the_baclofen_rule() -> None:
    itb = {
        "drug": "baclofen",
        "route": "intrathecal",
        "dose": 200,
        "unit": "mcg",
        "continuous": True,
        "start": "2025-01-01",
    }
    alert = only(alerts_for({"courses": [itb, TRAMADOL]}, AS_OF), "baclofen_with_opioid")
    assert alert.severity.value == "warning"
