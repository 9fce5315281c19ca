"""The monitoring service on SQLite and PostgreSQL: worklist order and scope, decisions (ack until
the data change, snooze until a date, audited), alert ids typed back, and evaluation on change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from record_examples import minimal_record

from spsreg.domain import (
    Dose,
    DoseUnit,
    DosingSchedule,
    LabResult,
    MedicationCourse,
    PatientIdentifiers,
    PatientRecord,
    Route,
    Specimen,
    TherapyIntent,
)
from spsreg.domain.labs import AssayMethod
from spsreg.monitoring import Severity
from spsreg.services import monitoring as service
from spsreg.services.monitoring import (
    AmbiguousAlertError,
    UnknownAlertError,
    acknowledge,
    resolve_alert,
    save_with_alerts,
    snooze,
    update_with_alerts,
    worklist,
)
from spsreg.store import Actor, NotFoundError, Registry, Role, ScopeError
from spsreg.store.acknowledgements import ACKNOWLEDGEMENT_ENTITY

DAY = date(2025, 6, 1)
DECIDED_AT = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
A1, A2, B1 = "p-mon-a1", "p-mon-a2", "p-mon-b1"
IDENTIFIERS = PatientIdentifiers(
    given_name="Zebedee",
    family_name="Quixworth",
    hospital_number="HN-777123",
    date_of_birth=date(1980, 1, 15),
)


def course(
    patient_id: str, name: str, drug: str, mg: float, times: int, start: date = date(2025, 1, 1)
) -> MedicationCourse:
    return MedicationCourse(
        id=f"{patient_id}-{name}",
        drug_id=drug,
        route=Route.ORAL,
        intent=TherapyIntent.SYMPTOMATIC,
        schedule=DosingSchedule.REGULAR,
        dose=Dose(value=mg, unit=DoseUnit.MG),
        times_per_period=times,
        period_days=1,
        start_date=start,
    )


def on_diazepam(patient_id: str, site_id: str, mg: float = 10, times: int = 3) -> PatientRecord:
    record = minimal_record(patient_id, site_id)
    return record.model_copy(
        update={
            "identifiers": IDENTIFIERS,
            "medication_courses": (course(patient_id, "dzp", "diazepam", mg, times),),
        }
    )


@pytest.fixture
def stored(registry: Registry, admin: Actor) -> Registry:
    """A1: diazepam 60 mg/day with oxycodone (critical combination, dose above the label);
    A2: diazepam 30 mg/day (nothing); B1 at the other site: diazepam with oxycodone."""
    a1 = on_diazepam(A1, "SITE-A", mg=15, times=4)
    a1 = a1.model_copy(
        update={
            "medication_courses": (
                *a1.medication_courses,
                course(A1, "oxy", "oxycodone", 5, 2),
            )
        }
    )
    b1 = on_diazepam(B1, "SITE-B")
    b1 = b1.model_copy(
        update={
            "medication_courses": (*b1.medication_courses, course(B1, "oxy", "oxycodone", 5, 2))
        }
    )
    for record in (a1, on_diazepam(A2, "SITE-A"), b1):
        registry.save_patient_record(admin, record, reason="monitoring service test")
    return registry


def test_the_worklist_is_most_severe_first_and_never_names_identifiers(
    stored: Registry, clinician_a: Actor
) -> None:
    listed = worklist(stored, clinician_a, DAY)
    severities = [entry.alert.severity for entry in listed.entries]
    assert severities[0] is Severity.CRITICAL and Severity.INFO in severities
    assert severities == sorted(severities, reverse=True)
    assert {e.alert.rule_id for e in listed.entries} >= {
        "benzodiazepine_with_opioid",
        "diazepam_above_label_maximum",
    }
    assert listed.patients_evaluated == 2
    text = repr(listed)
    assert all(value not in text for value in ("Zebedee", "Quixworth", "HN-777123", "1980-01-15"))


def test_site_staff_see_only_their_sites_alerts_and_researchers_and_patients_none(
    stored: Registry, clinician_a: Actor, clinician_b: Actor, admin: Actor
) -> None:
    assert {e.alert.patient_id for e in worklist(stored, clinician_a, DAY).entries} == {A1}
    assert {e.alert.patient_id for e in worklist(stored, clinician_b, DAY).entries} == {B1}
    assert {e.alert.patient_id for e in worklist(stored, admin, DAY).entries} == {A1, B1}
    assert {e.alert.site_id for e in worklist(stored, admin, DAY, site="SITE-B").entries} == {
        "SITE-B"
    }
    with pytest.raises(ScopeError):
        worklist(stored, clinician_a, DAY, site="SITE-B")
    with pytest.raises(NotFoundError):
        worklist(stored, clinician_a, DAY, patient_ids=[B1])
    for outsider in (
        Actor("res-1", Role.RESEARCHER, "SITE-A"),
        Actor("pt-1", Role.PATIENT, "SITE-A", patient_id=A1),
    ):
        with pytest.raises(ScopeError, match="no monitoring worklist"):
            worklist(stored, outsider, DAY)


def test_an_acknowledged_alert_is_quiet_until_its_data_change(
    stored: Registry, clinician_a: Actor
) -> None:
    entry = next(
        e
        for e in worklist(stored, clinician_a, DAY).entries
        if e.alert.rule_id == "diazepam_above_label_maximum"
    )
    acknowledge(stored, clinician_a, entry.alert, reason="intended SPS regimen", at=DECIDED_AT)
    listed = worklist(stored, clinician_a, DAY)
    assert entry.alert.fingerprint not in {e.alert.fingerprint for e in listed.entries}
    assert listed.silenced_hidden == 1
    shown = worklist(stored, clinician_a, DAY, include_silenced=True)
    silenced = [e for e in shown.entries if e.silenced_by is not None]
    assert [e.alert for e in silenced] == [entry.alert]
    assert silenced[0].silenced_by is not None
    assert silenced[0].silenced_by.reason == "intended SPS regimen"

    # The dose goes up: the same rule speaks again, with a new fingerprint, and the change
    # itself reports it as new.
    current = stored.get(clinician_a, "medication_courses", f"{A1}-dzp")
    higher = current.record.model_copy(update={"dose": Dose(value=20, unit=DoseUnit.MG)})
    changed = update_with_alerts(
        stored, clinician_a, "medication_courses", higher, current.version, "dose raised", as_of=DAY
    )
    assert [e.alert.rule_id for e in changed.new_alerts] == ["diazepam_above_label_maximum"]
    assert changed.new_alerts[0].silenced_by is None
    again = [
        e
        for e in worklist(stored, clinician_a, DAY).entries
        if e.alert.rule_id == "diazepam_above_label_maximum"
    ]
    assert len(again) == 1 and again[0].alert.fingerprint != entry.alert.fingerprint
    assert "80" in again[0].alert.message


def test_a_snoozed_alert_is_quiet_until_the_day_it_ends_and_decisions_are_audited(
    stored: Registry, clinician_a: Actor
) -> None:
    critical = worklist(stored, clinician_a, DAY).entries[0]
    assert critical.alert.rule_id == "benzodiazepine_with_opioid"
    until = date(2025, 6, 15)
    snooze(stored, clinician_a, critical.alert, until=until, reason="taper booked", at=DECIDED_AT)
    for day, quiet in ((DAY, True), (date(2025, 6, 14), True), (until, False)):
        rules = {e.alert.rule_id for e in worklist(stored, clinician_a, day).entries}
        assert ("benzodiazepine_with_opioid" not in rules) is quiet, day
    trail = [
        entry
        for entry in stored.audit_trail(clinician_a, A1)
        if entry.entity_kind == ACKNOWLEDGEMENT_ENTITY
    ]
    assert [(t.actor_user, t.reason) for t in trail] == [("dr-alpha", "taper booked")]
    assert '"kind":"snooze"' in (trail[0].after or "")


def test_alert_ids_are_resolved_by_prefix_and_unknown_or_ambiguous_ids_are_refused(
    stored: Registry, clinician_a: Actor, clinician_b: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = worklist(stored, clinician_a, DAY).entries
    target = entries[0]
    assert resolve_alert(stored, clinician_a, target.alert_id.upper(), DAY) == target
    assert resolve_alert(stored, clinician_a, target.alert.fingerprint, DAY, patient_ids=[A1])
    with pytest.raises(UnknownAlertError, match="not an alert id"):
        resolve_alert(stored, clinician_a, "zz-top", DAY)
    with pytest.raises(UnknownAlertError, match="no alert"):
        resolve_alert(stored, clinician_b, target.alert_id, DAY)  # another site's alert
    with pytest.raises(UnknownAlertError, match="no alert"):
        resolve_alert(stored, clinician_a, target.alert_id, date(2024, 6, 1))  # not yet there
    monkeypatch.setattr(service, "MIN_PREFIX_LENGTH", 0)
    with pytest.raises(AmbiguousAlertError) as ambiguous:
        resolve_alert(stored, clinician_a, "", DAY)
    assert len(ambiguous.value.candidates) == len(entries) >= 2


def test_adding_an_opioid_to_a_patient_on_diazepam_returns_the_critical_alert(
    stored: Registry, clinician_a: Actor
) -> None:
    saved = save_with_alerts(
        stored,
        clinician_a,
        "medication_courses",
        course(A2, "oxy", "oxycodone", 5, 2, start=date(2025, 5, 1)),
        patient_id=A2,
        reason="started for pain",
        as_of=DAY,
    )
    assert saved.saved.patient_id == A2
    assert [(e.alert.rule_id, e.alert.severity) for e in saved.new_alerts] == [
        ("benzodiazepine_with_opioid", Severity.CRITICAL)
    ]
    lab = LabResult(
        id=f"{A2}-lab-alt",
        analyte="alt",
        collected_on=date(2025, 5, 20),
        specimen=Specimen.SERUM,
        method=AssayMethod.STANDARD_CHEMISTRY,
        value=22.0,
        unit="U/L",
    )
    quiet = save_with_alerts(
        stored, clinician_a, "lab_results", lab, patient_id=A2, reason="lab", as_of=DAY
    )
    assert quiet.new_alerts == ()  # the combination is still there, but it is not new
    researcher = Actor("res-1", Role.RESEARCHER, "SITE-A")
    with pytest.raises(ScopeError):
        save_with_alerts(
            stored, researcher, "lab_results", lab, patient_id=A2, reason="x", as_of=DAY
        )
