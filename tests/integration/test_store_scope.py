"""Site scope: an actor sees and changes only its own site's patients; identifiers stay home."""

from __future__ import annotations

from datetime import date

import pytest
from record_examples import full_record
from sqlalchemy import Engine

from spsreg.domain import DiaryEntry, Site
from spsreg.store import (
    Actor,
    NotFoundError,
    RecordKind,
    Registry,
    Role,
    ScopeError,
    verify_audit_chain,
)

A = "p-000A"
B = "p-000B"


@pytest.fixture
def two_sites(registry: Registry, clinician_a: Actor, clinician_b: Actor) -> Registry:
    registry.save_patient_record(clinician_a, full_record(A, "SITE-A"), reason="import")
    registry.save_patient_record(clinician_b, full_record(B, "SITE-B"), reason="import")
    return registry


def test_reads_of_another_site_look_like_missing_records(
    two_sites: Registry, clinician_a: Actor
) -> None:
    with pytest.raises(NotFoundError) as foreign:
        two_sites.load_patient_record(clinician_a, B)
    with pytest.raises(NotFoundError) as missing:
        two_sites.load_patient_record(clinician_a, "p-000C")
    assert str(foreign.value).replace(B, "?") == str(missing.value).replace("p-000C", "?")

    for kind, record_id in [
        (RecordKind.PATIENT, B),
        (RecordKind.IDENTIFIERS, B),
        (RecordKind.DIARY_ENTRIES, f"{B}-diary-2021-03-01"),
        (RecordKind.ASSESSMENTS, f"{B}-assessment-mrs-2"),
    ]:
        with pytest.raises(NotFoundError) as foreign:
            two_sites.get(clinician_a, kind, record_id)
        with pytest.raises(NotFoundError) as missing:
            two_sites.get(clinician_a, kind, "nothing-here")
        assert str(foreign.value).replace(record_id, "?") == str(missing.value).replace(
            "nothing-here", "?"
        )
    with pytest.raises(NotFoundError):
        two_sites.audit_trail(clinician_a, B)


def test_another_site_cannot_be_changed(
    two_sites: Registry, clinician_a: Actor, clinician_b: Actor, engine: Engine
) -> None:
    entry_id = f"{B}-diary-2021-03-02"
    version = two_sites.get(clinician_b, "diary_entries", entry_id).version
    record = two_sites.get(clinician_b, "diary_entries", entry_id).record
    with pytest.raises(NotFoundError):
        two_sites.update(clinician_a, "diary_entries", record, version, "x")
    with pytest.raises(NotFoundError):
        two_sites.delete(clinician_a, "diary_entries", entry_id, version, "x")
    with pytest.raises(NotFoundError):
        two_sites.delete(clinician_a, "patient", B, version, "x")
    new = DiaryEntry(id=f"{B}-diary-new", entry_date=date(2022, 1, 1), falls=0)
    with pytest.raises(NotFoundError):
        two_sites.add(clinician_a, B, "diary_entries", new, "x")
    with pytest.raises(ScopeError):
        two_sites.save_patient_record(
            clinician_a, full_record(B, "SITE-B"), reason="x", on_existing="replace"
        )
    assert two_sites.load_patient_record(clinician_b, B) == full_record(B, "SITE-B")
    assert verify_audit_chain(engine).entries_checked == 4


def test_listings_are_limited_to_the_actor_site(
    two_sites: Registry, clinician_a: Actor, admin: Actor
) -> None:
    assert [s.patient_id for s in two_sites.list_patients(clinician_a)] == [A]
    assert [r.patient.id for r in two_sites.iter_patient_records(clinician_a)] == [A]
    assert [s.patient_id for s in two_sites.list_patients(clinician_a, search=B)] == []
    with pytest.raises(ScopeError):
        two_sites.list_patients(clinician_a, site_id="SITE-B")
    with pytest.raises(ScopeError):
        list(two_sites.iter_patient_records(clinician_a, site_id="SITE-B"))
    assert [s.patient_id for s in two_sites.list_patients(admin)] == [A, B]
    assert [s.patient_id for s in two_sites.list_patients(admin, site_id="SITE-B")] == [B]


def test_identifiers_are_shown_to_the_own_site_staff_only(
    two_sites: Registry, clinician_a: Actor, admin: Actor
) -> None:
    researcher = Actor("analyst-a", Role.RESEARCHER, "SITE-A")
    system = Actor("nightly-export", Role.SYSTEM)
    site_b_admin = Actor("admin-b", Role.ADMIN, "SITE-B")
    assert two_sites.load_patient_record(clinician_a, A).identifiers is not None
    # Researchers work with de-identified data, even at their own site.
    assert two_sites.load_patient_record(researcher, A).identifiers is None
    for actor in (admin, system):
        assert two_sites.load_patient_record(actor, A).identifiers is None
        assert all(r.identifiers is None for r in two_sites.iter_patient_records(actor))
    with pytest.raises(NotFoundError):
        two_sites.load_patient_record(site_b_admin, A)


def test_statistics_count_within_scope(
    two_sites: Registry, clinician_a: Actor, admin: Actor
) -> None:
    everything = two_sites.statistics(admin)
    assert everything.per_table["patients"] == 2
    assert everything.per_table["diary_entries"] == 6
    assert everything.per_table["assessments"] == 6
    assert everything.per_table["sites"] == 2
    assert everything.per_table["audit_log"] == 4
    assert set(everything.per_site) == {"SITE-A", "SITE-B"}
    assert everything.per_site["SITE-B"]["itb_pump_refills"] == 2

    own = two_sites.statistics(clinician_a)
    assert set(own.per_site) == {"SITE-A"}
    assert own.per_table["patients"] == 1
    assert own.per_table["diary_entries"] == 3
    assert own.per_table["audit_log"] == 1  # the import of its own patient


def test_actors_must_be_well_formed() -> None:
    with pytest.raises(ValueError, match="works at a site"):
        Actor("dr-x", Role.CLINICIAN)
    with pytest.raises(ValueError, match="patient_id"):
        Actor("someone", Role.PATIENT, "SITE-A")
    with pytest.raises(ValueError, match="only for actors with the patient role"):
        Actor("dr-x", Role.CLINICIAN, "SITE-A", patient_id="p-1")
    with pytest.raises(ValueError, match="user name"):
        Actor(" ", Role.ADMIN)
    assert Actor("ops", "system").role is Role.SYSTEM


def test_only_cross_site_roles_register_sites(registry: Registry, clinician_a: Actor) -> None:
    with pytest.raises(ScopeError):
        registry.add_site(clinician_a, Site(id="SITE-C", name="C", country="FR"))


def test_a_patient_actor_cannot_create_other_patients(registry: Registry) -> None:
    patient = Actor("patient-a", Role.PATIENT, "SITE-A", patient_id=A)
    with pytest.raises(ScopeError):
        registry.save_patient_record(patient, full_record("p-0099", "SITE-A"), reason="x")


@pytest.mark.parametrize("site", ["SITE-A", None])
def test_researchers_never_change_patient_data(
    registry: Registry, clinician_a: Actor, site: str | None
) -> None:
    registry.save_patient_record(clinician_a, full_record("p-0001"), reason="new patient")
    researcher = Actor("res", Role.RESEARCHER, site)
    entry = DiaryEntry(id="p-0001-diary-new", entry_date=date(2024, 5, 1), stiffness=3)
    with pytest.raises(ScopeError, match="researcher"):
        registry.add(researcher, "p-0001", RecordKind.DIARY_ENTRIES, entry, "researcher edit")
    stored = registry.add(clinician_a, "p-0001", RecordKind.DIARY_ENTRIES, entry, "diary")
    changed = entry.model_copy(update={"stiffness": 4})
    with pytest.raises(ScopeError, match="researcher"):
        registry.update(researcher, RecordKind.DIARY_ENTRIES, changed, stored.version, "edit")
    with pytest.raises(ScopeError, match="researcher"):
        registry.delete(researcher, RecordKind.DIARY_ENTRIES, entry.id, stored.version, "remove")
    with pytest.raises(ScopeError, match="researcher"):
        registry.save_patient_record(researcher, full_record("p-0002"), reason="import")
    assert registry.get(clinician_a, RecordKind.DIARY_ENTRIES, entry.id).version == stored.version
