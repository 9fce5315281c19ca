"""check_course: the alerts a medication course would create, computed without writing."""

from __future__ import annotations

from datetime import date

import pytest
from record_examples import full_record

from spsreg.domain.medications import Dose, DosingSchedule, MedicationCourse, Route, TherapyIntent
from spsreg.domain.units import DoseUnit
from spsreg.services.medication_check import check_course
from spsreg.services.monitoring import save_with_alerts
from spsreg.store import Actor, NotFoundError, RecordKind, Registry, Role, ScopeError

TODAY = date(2026, 11, 21)


def course(drug_id: str, value: float, times: int, course_id: str = "check-1") -> MedicationCourse:
    return MedicationCourse(
        id=course_id,
        drug_id=drug_id,
        route=Route.ORAL,
        intent=TherapyIntent.SYMPTOMATIC,
        schedule=DosingSchedule.REGULAR,
        dose=Dose(value=value, unit=DoseUnit.MG),
        times_per_period=times,
        period_days=1,
        start_date=date(2026, 11, 1),
    )


@pytest.fixture
def stored(registry: Registry, admin: Actor) -> Registry:
    registry.save_patient_record(admin, full_record("p-A1", "SITE-A"), reason="example")
    registry.save_patient_record(admin, full_record("p-B1", "SITE-B"), reason="example")
    return registry


def test_combination_alert_without_writing(stored: Registry, clinician_a: Actor) -> None:
    before = stored.load_patient_record(clinician_a, "p-A1")
    alerts = check_course(stored, clinician_a, "p-A1", course("oxycodone", 5, 2), TODAY)
    assert any(
        alert.rule_id == "benzodiazepine_opioid" or "opioid" in alert.rule_id for alert in alerts
    )
    assert stored.load_patient_record(clinician_a, "p-A1") == before
    saved = save_with_alerts(
        stored,
        clinician_a,
        RecordKind.MEDICATION_COURSES,
        course("oxycodone", 5, 2),
        patient_id="p-A1",
        reason="test",
        as_of=TODAY,
    )
    assert {a.fingerprint for a in alerts} == {e.alert.fingerprint for e in saved.new_alerts}
    again = check_course(stored, clinician_a, "p-A1", course("oxycodone", 5, 2), TODAY)
    assert again == []


def test_dose_above_the_packs_limit(stored: Registry, clinician_a: Actor) -> None:
    alerts = check_course(stored, clinician_a, "p-A1", course("gabapentin", 1600, 3), TODAY)
    assert "gabapentin_above_sps_reported_maximum" in {alert.rule_id for alert in alerts}
    within = check_course(stored, clinician_a, "p-A1", course("gabapentin", 300, 3), TODAY)
    assert "gabapentin_above_sps_reported_maximum" not in {alert.rule_id for alert in within}


def test_replacing_a_course_compares_with_the_stored_one(
    stored: Registry, clinician_a: Actor
) -> None:
    same = stored.get(clinician_a, RecordKind.MEDICATION_COURSES, "p-A1-course-diazepam-2").record
    assert check_course(stored, clinician_a, "p-A1", same, TODAY) == []


def test_scope(stored: Registry, clinician_a: Actor) -> None:
    with pytest.raises(NotFoundError):
        check_course(stored, clinician_a, "p-B1", course("oxycodone", 5, 2), TODAY)
    researcher = Actor("res", Role.RESEARCHER)
    with pytest.raises(ScopeError):
        check_course(stored, researcher, "p-A1", course("oxycodone", 5, 2), TODAY)
