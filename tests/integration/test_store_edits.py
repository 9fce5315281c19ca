"""Single-record edits: row versions, stale edits refused, nested records, validation, audit."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from record_examples import full_record
from sqlalchemy import Engine, func, select

from spsreg.domain import Assessment, DiaryEntry, Patient, PatientIdentifiers, Phenotype, PumpRefill
from spsreg.store import (
    Actor,
    ConflictError,
    NotFoundError,
    RecordKind,
    Registry,
    ScopeError,
    StoreError,
    iter_audit_entries,
)
from spsreg.store.records import find_item
from spsreg.store.tables import AUDIT_LOG

P = "p-0001"


@pytest.fixture
def saved(registry: Registry, clinician_a: Actor) -> int:
    """The example record saved at SITE-A; returns the save's row version."""
    outcome = registry.save_patient_record(clinician_a, full_record(), reason="import")
    assert outcome.version is not None
    return outcome.version


def changed(model: BaseModel, **changes: Any) -> Any:
    """A validated copy of a domain object with some fields changed."""
    return type(model).model_validate({**model.model_dump(), **changes})


def last_audit(engine: Engine) -> Any:
    with engine.connect() as connection:
        return list(iter_audit_entries(connection))[-1]


def audit_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(AUDIT_LOG)).scalar_one()


EDITS: list[tuple[RecordKind, str, dict[str, Any]]] = [
    (RecordKind.CONSENTS, f"{P}-consent-registry", {"recorded_on": date(2018, 11, 21)}),
    (RecordKind.LAB_RESULTS, f"{P}-lab-gad-serum", {"value": 255.0}),
    (RecordKind.COMORBIDITIES, f"{P}-comorbidity-t1d", {"diagnosed_on": date(1996, 1, 1)}),
    (RecordKind.GENETIC_MARKERS, f"{P}-hla-drb1", {"method": "pcr"}),
    (RecordKind.VISITS, f"{P}-visit-phone", {"weight_kg": 70.0}),
    (RecordKind.ASSESSMENTS, f"{P}-assessment-mrs-2", {"responses": {"score": 2}}),
    (RecordKind.MEDICATION_COURSES, f"{P}-course-itb", {"dose": {"value": 175.0, "unit": "mcg"}}),
    (RecordKind.ADMINISTRATIONS, f"{P}-ivig-c1-d1", {"dose": {"value": 0.9, "unit": "g/kg"}}),
    (RecordKind.PUMPS, f"{P}-pump-1", {"device": "replacement pump"}),
    (RecordKind.PUMP_REFILLS, f"{P}-refill-2", {"daily_dose_mcg": 180.0}),
    (RecordKind.PROCEDURES, f"{P}-plex-1", {"sessions": 6}),
    (RecordKind.NON_DRUG_THERAPIES, f"{P}-physio", {"sessions_per_month": 8.0}),
    (RecordKind.ADVERSE_EVENTS, f"{P}-ae-somnolence", {"resolved_date": date(2019, 10, 5)}),
    (RecordKind.DIARY_ENTRIES, f"{P}-diary-2021-03-02", {"stiffness": 4}),
    (RecordKind.PATIENT, P, {"phenotype": Phenotype.SPS_PLUS}),
]


@pytest.mark.parametrize(("kind", "record_id", "change"), EDITS, ids=[e[0].value for e in EDITS])
def test_every_kind_can_be_read_updated_and_audited(
    registry: Registry,
    clinician_a: Actor,
    engine: Engine,
    saved: int,
    kind: RecordKind,
    record_id: str,
    change: dict[str, Any],
) -> None:
    original = full_record()
    current = registry.get(clinician_a, kind, record_id)
    assert current.version == saved
    assert current.patient_id == P
    assert current.record == find_item(original, kind, record_id)[0]

    edited = changed(current.record, **change)
    result = registry.update(clinician_a, kind, edited, current.version, "correction")

    assert result.version > current.version
    assert registry.get(clinician_a, kind, record_id) == result
    reloaded = registry.load_patient_record(clinician_a, P)
    assert find_item(reloaded, kind, record_id)[0] == edited
    entry = last_audit(engine)
    assert (entry.action, entry.entity_kind, entry.entity_id, entry.patient_id) == (
        "update",
        kind.value,
        record_id,
        P,
    )
    assert json.loads(entry.before) == current.record.model_dump(mode="json")
    assert json.loads(entry.after) == edited.model_dump(mode="json")
    assert entry.reason == "correction"


def test_a_stale_update_is_refused_and_nothing_is_lost(
    registry: Registry, clinician_a: Actor, engine: Engine, saved: int
) -> None:
    nurse = Actor("nurse-a", "coordinator", "SITE-A")
    kind, entry_id = RecordKind.DIARY_ENTRIES, f"{P}-diary-2021-03-02"
    read_by_doctor = registry.get(clinician_a, kind, entry_id)
    read_by_nurse = registry.get(nurse, kind, entry_id)
    assert read_by_doctor.version == read_by_nurse.version

    won = registry.update(
        clinician_a, kind, changed(read_by_doctor.record, stiffness=3), read_by_doctor.version, "a"
    )
    entries = audit_count(engine)
    with pytest.raises(ConflictError) as refused:
        registry.update(
            nurse, kind, changed(read_by_nurse.record, stiffness=9), read_by_nurse.version, "b"
        )

    assert refused.value.current_version == won.version
    message = str(refused.value)
    assert f"version {read_by_nurse.version}" in message
    assert f"stored version is {won.version}" in message
    assert registry.get(nurse, kind, entry_id).record.stiffness == 3
    assert audit_count(engine) == entries


def test_versions_strictly_increase(registry: Registry, clinician_a: Actor, saved: int) -> None:
    kind, entry_id = RecordKind.DIARY_ENTRIES, f"{P}-diary-2021-03-02"
    current = registry.get(clinician_a, kind, entry_id)
    seen = [current.version]
    for stiffness in (1, 2, 3, 4):
        current = registry.update(
            clinician_a, kind, changed(current.record, stiffness=stiffness), current.version, "x"
        )
        seen.append(current.version)
    assert seen == sorted(set(seen))


def test_an_identical_update_writes_nothing(
    registry: Registry, clinician_a: Actor, engine: Engine, saved: int
) -> None:
    current = registry.get(clinician_a, "consents", f"{P}-consent-registry")
    entries = audit_count(engine)
    again = registry.update(clinician_a, "consents", current.record, current.version, "no-op")
    assert again == current
    assert audit_count(engine) == entries


def test_adding_a_record_appends_it_with_a_new_version(
    registry: Registry, clinician_a: Actor, engine: Engine, saved: int
) -> None:
    entry = DiaryEntry(id=f"{P}-diary-2021-03-05", entry_date=date(2021, 3, 5), falls=1)
    added = registry.add(clinician_a, P, "diary_entries", entry, "patient diary")
    assert added.version > saved
    assert registry.load_patient_record(clinician_a, P).diary_entries[-1] == entry
    audit = last_audit(engine)
    assert (audit.action, audit.entity_kind, audit.before) == ("create", "diary_entries", None)

    with pytest.raises(ConflictError, match="already exists"):
        registry.add(clinician_a, P, "diary_entries", entry, "twice")


def test_an_edit_that_breaks_the_record_writes_nothing(
    registry: Registry, clinician_a: Actor, engine: Engine, saved: int
) -> None:
    entries = audit_count(engine)
    same_day = DiaryEntry(id=f"{P}-diary-dup", entry_date=date(2021, 3, 1), stiffness=2)
    with pytest.raises(ValidationError, match="more than one diary entry"):
        registry.add(clinician_a, P, "diary_entries", same_day, "duplicate day")
    course = registry.get(clinician_a, "medication_courses", f"{P}-course-ivig")
    with pytest.raises(ValidationError, match="names unknown course"):
        registry.delete(clinician_a, "medication_courses", course.record.id, course.version, "x")
    assert audit_count(engine) == entries
    assert registry.load_patient_record(clinician_a, P) == full_record()


def test_nested_records_move_their_parent_version(
    registry: Registry, clinician_a: Actor, saved: int
) -> None:
    visit_id = f"{P}-visit-followup"
    visit = registry.get(clinician_a, "visits", visit_id)
    assert [a.id for a in visit.record.assessments] == [f"{P}-assessment-mrs-2"]

    rating = Assessment(id=f"{P}-si-2", scale_id="stiffness_index", scale_version="1", responses={})
    added = registry.add(clinician_a, P, "assessments", rating, "rated", parent_id=visit_id)
    after = registry.get(clinician_a, "visits", visit_id)
    assert after.version == added.version > visit.version
    assert after.record.assessments[-1] == rating

    # The visit as first read is now stale: saving it would drop the new assessment.
    with pytest.raises(ConflictError):
        registry.update(clinician_a, "visits", visit.record, visit.version, "stale form")

    refill = PumpRefill(
        id=f"{P}-refill-3",
        refilled_on=date(2021, 11, 1),
        volume_ml=20.0,
        concentration_mcg_per_ml=1000.0,
        daily_dose_mcg=160.0,
    )
    pump_before = registry.get(clinician_a, "pumps", f"{P}-pump-1")
    registry.add(clinician_a, P, "pump_refills", refill, "refill", parent_id=f"{P}-pump-1")
    assert registry.get(clinician_a, "pumps", f"{P}-pump-1").version > pump_before.version


def test_updating_a_parent_rewrites_its_nested_records(
    registry: Registry, clinician_a: Actor, saved: int
) -> None:
    visit = registry.get(clinician_a, "visits", f"{P}-visit-baseline")
    kept = visit.record.assessments[1]
    new = Assessment(id=f"{P}-mrs-b", scale_id="mrs", scale_version="1", responses={"score": 4})
    edited = changed(visit.record, assessments=[kept.model_dump(), new.model_dump()])
    registry.update(clinician_a, "visits", edited, visit.version, "re-scored")
    assert registry.get(clinician_a, "visits", edited.id).record == edited
    with pytest.raises(NotFoundError):
        registry.get(clinician_a, "assessments", visit.record.assessments[0].id)
    assert registry.get(clinician_a, "assessments", new.id).record == new


def test_parent_id_is_required_exactly_for_nested_kinds(
    registry: Registry, clinician_a: Actor, saved: int
) -> None:
    rating = Assessment(id=f"{P}-x", scale_id="x", scale_version="1", responses={})
    with pytest.raises(StoreError, match="parent_id"):
        registry.add(clinician_a, P, "assessments", rating, "r")
    with pytest.raises(NotFoundError):
        registry.add(clinician_a, P, "assessments", rating, "r", parent_id="no-such-visit")
    entry = DiaryEntry(id=f"{P}-d", entry_date=date(2022, 1, 1), falls=0)
    with pytest.raises(StoreError, match="parent_id"):
        registry.add(clinician_a, P, "diary_entries", entry, "r", parent_id=f"{P}-visit-phone")


def test_delete_needs_the_current_version(
    registry: Registry, clinician_a: Actor, engine: Engine, saved: int
) -> None:
    kind, entry_id = "diary_entries", f"{P}-diary-2021-03-02"
    current = registry.get(clinician_a, kind, entry_id)
    newer = registry.update(
        clinician_a, kind, changed(current.record, stiffness=2), current.version, "x"
    )
    with pytest.raises(ConflictError) as refused:
        registry.delete(clinician_a, kind, entry_id, current.version, "stale delete")
    assert refused.value.current_version == newer.version
    assert registry.get(clinician_a, kind, entry_id).version == newer.version

    registry.delete(clinician_a, kind, entry_id, newer.version, "entered in error")
    with pytest.raises(NotFoundError):
        registry.get(clinician_a, kind, entry_id)
    audit = last_audit(engine)
    assert (audit.action, audit.after) == ("delete", None)
    assert json.loads(audit.before)["stiffness"] == 2

    # A re-created record never gets a version used before.
    again = registry.add(clinician_a, P, kind, current.record, "re-entered")
    assert again.version > newer.version


def test_deleting_a_parent_deletes_its_nested_records(
    registry: Registry, clinician_a: Actor, saved: int
) -> None:
    registry.delete(clinician_a, "visits", f"{P}-visit-baseline", saved, "wrong patient")
    with pytest.raises(NotFoundError):
        registry.get(clinician_a, "assessments", f"{P}-assessment-si-1")
    assert len(registry.load_patient_record(clinician_a, P).visits) == 2


def test_patient_level_edits(
    registry: Registry, clinician_a: Actor, admin: Actor, engine: Engine, saved: int
) -> None:
    patient = registry.get(clinician_a, "patient", P)
    moved = changed(patient.record, site_id="SITE-B")
    with pytest.raises(ScopeError):
        registry.update(clinician_a, "patient", moved, patient.version, "transfer")
    transferred = registry.update(admin, "patient", moved, patient.version, "transfer to B")
    assert transferred.record.site_id == "SITE-B"
    with pytest.raises(NotFoundError):
        registry.get(clinician_a, "patient", P)

    registry.delete(admin, "patient", P, transferred.version, "withdrawn from registry")
    with pytest.raises(NotFoundError):
        registry.load_patient_record(admin, P)
    audit = last_audit(engine)
    assert (audit.action, audit.entity_kind) == ("delete", "patient")
    assert json.loads(audit.before)["sections"]["diary_entries"] == 3


def test_a_patient_can_be_created_alone(registry: Registry, clinician_a: Actor) -> None:
    patient = Patient(
        id="p-new", pseudonym="PSN-NEW", site_id="SITE-A", sex="male", birth_year_month="1990-02"
    )
    created = registry.add(clinician_a, "p-new", "patient", patient, "registered")
    assert created.record == patient
    assert registry.load_patient_record(clinician_a, "p-new").patient == patient
    with pytest.raises(ScopeError):
        registry.add(
            clinician_a, "p-b", "patient", changed(patient, id="p-b", site_id="SITE-B"), "x"
        )
    with pytest.raises(StoreError, match="not the new patient's id"):
        registry.add(clinician_a, "p-other", "patient", patient, "x")


def test_identifiers_are_edited_by_their_own_site_only(
    registry: Registry, clinician_a: Actor, admin: Actor, engine: Engine, saved: int
) -> None:
    current = registry.get(clinician_a, "identifiers", P)
    assert current.record == full_record().identifiers
    with pytest.raises(NotFoundError):
        registry.get(admin, "identifiers", P)
    edited = changed(current.record, phone="+44 20 7946 0999")
    with pytest.raises(StoreError, match="patient_id"):
        registry.update(clinician_a, "identifiers", edited, current.version, "moved")
    with pytest.raises(NotFoundError):
        registry.update(admin, "identifiers", edited, current.version, "x", patient_id=P)
    updated = registry.update(
        clinician_a, "identifiers", edited, current.version, "new phone", patient_id=P
    )
    assert registry.get(clinician_a, "identifiers", P) == updated
    audit = last_audit(engine)
    assert json.loads(audit.after)["changed_fields"] == ["phone"]

    with pytest.raises(ConflictError, match="already exists"):
        registry.add(clinician_a, P, "identifiers", edited, "again")
    registry.delete(clinician_a, "identifiers", P, updated.version, "erasure request")
    assert registry.load_patient_record(clinician_a, P).identifiers is None
    bad_birth = changed(edited, date_of_birth=date(1971, 5, 1))
    with pytest.raises(ValidationError, match="birth_year_month"):
        registry.add(clinician_a, P, "identifiers", bad_birth, "re-entered")


def test_identifier_values_never_enter_the_audit_log(
    registry: Registry, clinician_a: Actor, engine: Engine, saved: int
) -> None:
    current = registry.get(clinician_a, "identifiers", P)
    assert isinstance(current.record, PatientIdentifiers)
    registry.update(
        clinician_a,
        "identifiers",
        changed(current.record, family_name="Byron-Test"),
        current.version,
        "name change",
        patient_id=P,
    )
    with engine.connect() as connection:
        log = json.dumps([entry.__dict__ for entry in iter_audit_entries(connection)])
    for value in (
        "Ada",
        "Lovelace-Test",
        "Byron-Test",
        f"HN-{P}",
        "ada.test@example.org",
        "1971-04-14",
    ):
        assert value not in log


def test_records_must_match_their_kind(registry: Registry, clinician_a: Actor, saved: int) -> None:
    entry = DiaryEntry(id=f"{P}-d", entry_date=date(2022, 1, 1), falls=0)
    with pytest.raises(StoreError, match="must be a Consent"):
        registry.add(clinician_a, P, "consents", entry, "wrong kind")
    with pytest.raises(ValueError):
        registry.get(clinician_a, "no-such-kind", "x")
