"""Whole patient records: exact round trip, all-or-nothing saves, on_existing modes, listing."""

from __future__ import annotations

from datetime import date

import pytest
from record_examples import full_record, minimal_record, pseudonym_for
from sqlalchemy import Engine, func, select

from spsreg.domain import (
    DiaryEntry,
    LabResult,
    PatientRecord,
    Phenotype,
    Site,
)
from spsreg.store import (
    Actor,
    ConflictError,
    NotFoundError,
    Registry,
    Role,
    SaveStatus,
    ScopeError,
    StoreError,
    iter_audit_entries,
)
from spsreg.store.mapping import MAPPINGS
from spsreg.store.tables import AUDIT_LOG, PATIENTS

PATIENT_TABLES = [PATIENTS] + [
    mapping.table for kind, mapping in MAPPINGS.items() if kind.value != "patient"
]


def rows_of(engine: Engine, patient_id: str) -> dict[str, int]:
    """Row count per table for one patient."""
    with engine.connect() as connection:
        counts = {}
        for table in PATIENT_TABLES:
            column = table.c.id if table is PATIENTS else table.c.patient_id
            counts[table.name] = connection.execute(
                select(func.count()).select_from(table).where(column == patient_id)
            ).scalar_one()
    return counts


def versions_of(engine: Engine, patient_id: str) -> set[int]:
    with engine.connect() as connection:
        versions: set[int] = set()
        for table in PATIENT_TABLES:
            column = table.c.id if table is PATIENTS else table.c.patient_id
            versions |= set(
                connection.execute(select(table.c.row_version).where(column == patient_id))
                .scalars()
                .all()
            )
    return versions


def audit_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(AUDIT_LOG)).scalar_one()


def test_full_record_round_trips_exactly(registry: Registry, clinician_a: Actor) -> None:
    record = full_record()
    outcome = registry.save_patient_record(clinician_a, record, reason="baseline import")
    assert outcome.status is SaveStatus.CREATED

    loaded = registry.load_patient_record(clinician_a, record.patient.id)

    assert loaded == record
    assert loaded.model_dump(mode="json") == record.model_dump(mode="json")
    # Types survive, not only values: an int response stays an int, a float stays a float.
    responses = loaded.visits[0].assessments[1].responses
    assert type(responses["trial_1_seconds"]) is float
    assert type(loaded.visits[0].assessments[0].responses["legs"]) is int
    assert loaded.visits[0].assessments[0].responses["abdomen"] is None
    assert loaded.lab_results[2].value == 0.1 + 0.2
    assert [entry.entry_date for entry in loaded.diary_entries] == [
        date(2021, 3, 1),
        date(2021, 3, 2),
        date(2021, 2, 28),
    ]


def test_every_section_of_the_example_is_populated() -> None:
    record = full_record()
    for name in PatientRecord.model_fields:
        assert getattr(record, name), f"full_record() leaves {name} empty"
    assert all(visit.assessments for visit in record.visits[:2])
    assert all(pump.refills for pump in record.pumps)


def test_minimal_record_round_trips(registry: Registry, clinician_a: Actor) -> None:
    record = minimal_record("p-min")
    registry.save_patient_record(clinician_a, record, reason="new patient")
    assert registry.load_patient_record(clinician_a, "p-min") == record


def test_every_row_of_a_save_carries_the_save_version(
    registry: Registry, clinician_a: Actor, engine: Engine
) -> None:
    outcome = registry.save_patient_record(clinician_a, full_record(), reason="import")
    assert outcome.version is not None
    assert versions_of(engine, "p-0001") == {outcome.version}


def test_a_failure_midway_leaves_nothing(
    registry: Registry, clinician_a: Actor, engine: Engine
) -> None:
    record = full_record()
    clash = DiaryEntry(id="p-0001-diary-clash", entry_date=date(2021, 3, 1), stiffness=1)
    # model_copy skips validation: the duplicate day reaches the database constraint, which is
    # checked after every other section has been inserted.
    broken = record.model_copy(update={"diary_entries": (*record.diary_entries, clash)})
    entries_before = audit_count(engine)

    with pytest.raises(ConflictError, match="nothing was saved"):
        registry.save_patient_record(clinician_a, broken, reason="import")

    assert set(rows_of(engine, "p-0001").values()) == {0}
    assert audit_count(engine) == entries_before
    # The database is usable afterwards and the valid record saves.
    assert registry.save_patient_record(clinician_a, record, reason="import").status is (
        SaveStatus.CREATED
    )


def test_resaving_identical_content_is_unchanged(
    registry: Registry, clinician_a: Actor, engine: Engine
) -> None:
    record = full_record()
    registry.save_patient_record(clinician_a, record, reason="import")
    rows = rows_of(engine, "p-0001")
    entries = audit_count(engine)

    for mode in ("skip_identical", "replace"):
        outcome = registry.save_patient_record(
            clinician_a, record, reason="re-import", on_existing=mode
        )
        assert outcome.status is SaveStatus.UNCHANGED
        assert outcome.version is None

    assert rows_of(engine, "p-0001") == rows
    assert audit_count(engine) == entries


def test_reject_refuses_an_existing_patient_even_when_identical(
    registry: Registry, clinician_a: Actor
) -> None:
    record = full_record()
    registry.save_patient_record(clinician_a, record, reason="import")
    with pytest.raises(ConflictError, match="identical content"):
        registry.save_patient_record(clinician_a, record, reason="import again")


def test_different_content_is_refused_naming_the_sections(
    registry: Registry, clinician_a: Actor, engine: Engine
) -> None:
    record = full_record()
    registry.save_patient_record(clinician_a, record, reason="import")
    changed = record.model_copy(
        update={
            "diary_entries": record.diary_entries[:2],
            "patient": record.patient.model_copy(update={"phenotype": Phenotype.PARTIAL}),
        }
    )
    for mode in ("reject", "skip_identical"):
        with pytest.raises(ConflictError) as refused:
            registry.save_patient_record(clinician_a, changed, reason="x", on_existing=mode)
        assert "patient, diary_entries" in str(refused.value)
        assert refused.value.current_version is None
    assert registry.load_patient_record(clinician_a, "p-0001") == record


def test_replace_swaps_the_whole_record_atomically(
    registry: Registry, clinician_a: Actor, engine: Engine
) -> None:
    record = full_record()
    first = registry.save_patient_record(clinician_a, record, reason="import")
    new_lab = LabResult(
        id="p-0001-lab-new",
        analyte="gad65_antibody",
        collected_on=date(2022, 1, 1),
        specimen="serum",
        method="ria",
        value=120.0,
        unit="nmol/L",
    )
    replacement = PatientRecord.model_validate(
        {
            **record.model_dump(),
            "lab_results": [new_lab.model_dump()],
            "diary_entries": [record.diary_entries[1].model_dump()],
        }
    )

    outcome = registry.save_patient_record(
        clinician_a, replacement, reason="corrected export", on_existing="replace"
    )

    assert outcome.status is SaveStatus.REPLACED
    assert outcome.changed_sections == ("lab_results", "diary_entries")
    assert outcome.version is not None and first.version is not None
    assert outcome.version > first.version
    assert registry.load_patient_record(clinician_a, "p-0001") == replacement
    assert versions_of(engine, "p-0001") == {outcome.version}
    with engine.connect() as connection:
        last = list(iter_audit_entries(connection))[-1]
    assert (last.action, last.entity_kind, last.entity_id) == (
        "replace",
        "patient_record",
        "p-0001",
    )
    assert '"changed_sections":["lab_results","diary_entries"]' in (last.after or "")


def test_an_actor_who_cannot_see_identifiers_cannot_erase_them_by_omission(
    registry: Registry, clinician_a: Actor, admin: Actor
) -> None:
    record = full_record()
    registry.save_patient_record(clinician_a, record, reason="import")
    seen_by_admin = registry.load_patient_record(admin, "p-0001")
    assert seen_by_admin.identifiers is None

    outcome = registry.save_patient_record(
        admin, seen_by_admin, reason="central re-import", on_existing="skip_identical"
    )
    assert outcome.status is SaveStatus.UNCHANGED

    edited = seen_by_admin.model_copy(update={"procedures": ()})
    registry.save_patient_record(admin, edited, reason="central fix", on_existing="replace")
    reloaded = registry.load_patient_record(clinician_a, "p-0001")
    assert reloaded.identifiers == record.identifiers
    assert reloaded.procedures == ()


def test_the_own_site_may_remove_identifiers_by_replacing(
    registry: Registry, clinician_a: Actor
) -> None:
    record = full_record()
    registry.save_patient_record(clinician_a, record, reason="import")
    without = record.model_copy(update={"identifiers": None})
    outcome = registry.save_patient_record(
        clinician_a, without, reason="identifiers withdrawn", on_existing="replace"
    )
    assert outcome.changed_sections == ("identifiers",)
    assert registry.load_patient_record(clinician_a, "p-0001").identifiers is None


def test_a_patient_id_in_use_at_another_site_is_refused(
    registry: Registry, clinician_a: Actor, clinician_b: Actor
) -> None:
    registry.save_patient_record(clinician_a, full_record(), reason="import")
    intruder = full_record(site_id="SITE-B")
    with pytest.raises(ConflictError, match="already in use"):
        registry.save_patient_record(clinician_b, intruder, reason="x", on_existing="replace")
    assert registry.load_patient_record(clinician_a, "p-0001") == full_record()


def test_record_ids_are_unique_across_patients(
    registry: Registry, clinician_a: Actor, engine: Engine
) -> None:
    registry.save_patient_record(clinician_a, full_record("p-0001"), reason="import")
    other = full_record("p-0002")
    borrowed = other.model_copy(update={"consents": full_record("p-0001").consents})
    with pytest.raises(ConflictError):
        registry.save_patient_record(clinician_a, borrowed, reason="import")
    assert set(rows_of(engine, "p-0002").values()) == {0}


def test_saving_at_an_unregistered_site_is_refused(registry: Registry, admin: Actor) -> None:
    with pytest.raises(NotFoundError, match="not registered"):
        registry.save_patient_record(admin, full_record(site_id="SITE-Z"), reason="import")


def test_a_change_needs_a_reason(registry: Registry, clinician_a: Actor) -> None:
    with pytest.raises(StoreError, match="reason"):
        registry.save_patient_record(clinician_a, full_record(), reason="  ")


def test_sites_are_registered_once(registry: Registry, admin: Actor, clinician_a: Actor) -> None:
    assert [site.id for site in registry.list_sites(clinician_a)] == ["SITE-A", "SITE-B"]
    same = Site(id="SITE-A", name="Site A Neurology", country="GB")
    assert registry.add_site(admin, same) == same
    with pytest.raises(ConflictError):
        registry.add_site(admin, Site(id="SITE-A", name="Renamed", country="GB"))


def _cohort(registry: Registry, admin: Actor) -> dict[str, PatientRecord]:
    """Seven patients over two sites, saved in an order unlike their pseudonym order."""
    records = {}
    for number, site in [(5, "A"), (1, "B"), (7, "A"), (3, "A"), (2, "B"), (6, "B"), (4, "A")]:
        record = full_record(f"p-{number:04d}", f"SITE-{site}")
        registry.save_patient_record(admin, record, reason="cohort import")
        records[record.patient.id] = record
    return records


def test_iteration_is_ordered_by_pseudonym_in_batches(registry: Registry, admin: Actor) -> None:
    records = _cohort(registry, admin)
    loaded = list(registry.iter_patient_records(admin, batch_size=3))
    assert [record.patient.pseudonym for record in loaded] == sorted(
        pseudonym_for(patient_id) for patient_id in records
    )
    # A site-less admin never receives identifiers.
    assert loaded == [
        records[record.patient.id].model_copy(update={"identifiers": None}) for record in loaded
    ]


def test_iteration_is_limited_to_the_actor_site(
    registry: Registry, admin: Actor, clinician_b: Actor
) -> None:
    records = _cohort(registry, admin)
    loaded = list(registry.iter_patient_records(clinician_b, batch_size=2))
    assert [record.patient.id for record in loaded] == ["p-0001", "p-0002", "p-0006"]
    assert loaded == [records[record.patient.id] for record in loaded]  # identifiers included
    site_a = list(registry.iter_patient_records(admin, site_id="SITE-A", batch_size=200))
    assert [record.patient.id for record in site_a] == ["p-0003", "p-0004", "p-0005", "p-0007"]


def test_list_patients_filters_and_searches(
    registry: Registry, admin: Actor, clinician_a: Actor
) -> None:
    _cohort(registry, admin)
    registry.save_patient_record(
        admin,
        full_record("p-0008", "SITE-A").model_copy(
            update={
                "patient": full_record("p-0008").patient.model_copy(
                    update={"phenotype": Phenotype.PERM}
                )
            }
        ),
        reason="import",
    )
    summaries = registry.list_patients(admin)
    assert [summary.patient_id for summary in summaries] == [f"p-{n:04d}" for n in range(1, 9)]
    assert summaries[0].site_id == "SITE-B"
    assert summaries[0].phenotype is Phenotype.CLASSIC

    perm = registry.list_patients(admin, phenotype="perm")
    assert [summary.patient_id for summary in perm] == ["p-0008"]
    assert [s.patient_id for s in registry.list_patients(admin, search="p-0003")] == ["p-0003"]
    assert [s.patient_id for s in registry.list_patients(admin, search="psn-p-0005")] == ["p-0005"]
    # Staff of a site find their patients by hospital number or name; admins do not.
    assert [s.patient_id for s in registry.list_patients(clinician_a, search="HN-p-0004")] == [
        "p-0004"
    ]
    assert len(registry.list_patients(clinician_a, search="lovelace")) == 5
    assert registry.list_patients(admin, search="lovelace") == []
    researcher_a = Actor("analyst-a", Role.RESEARCHER, "SITE-A")
    assert registry.list_patients(researcher_a, search="lovelace") == []
    # LIKE wildcards are matched literally.
    assert registry.list_patients(admin, search="%") == []
    assert registry.list_patients(admin, search="p_0") == []


def test_patient_role_sees_only_their_own_record(registry: Registry, admin: Actor) -> None:
    _cohort(registry, admin)
    patient = Actor("patient-3", Role.PATIENT, "SITE-A", patient_id="p-0003")
    assert [s.patient_id for s in registry.list_patients(patient)] == ["p-0003"]
    assert [r.patient.id for r in registry.iter_patient_records(patient)] == ["p-0003"]
    with pytest.raises(NotFoundError):
        registry.load_patient_record(patient, "p-0005")


def test_pseudonym_order_is_character_order_on_both_databases(
    registry: Registry, admin: Actor
) -> None:
    pseudonyms = ["ABC-1", "AB-C1", "AB-D1", "AB1", "A-B-1"]
    for number, pseudonym in enumerate(pseudonyms):
        record = minimal_record(f"p-{number}")
        patient = record.patient.model_copy(update={"pseudonym": pseudonym})
        registry.save_patient_record(admin, PatientRecord(patient=patient), reason="import")
    expected = sorted(pseudonyms)
    assert [s.pseudonym for s in registry.list_patients(admin)] == expected
    loaded = registry.iter_patient_records(admin, batch_size=2)
    assert [record.patient.pseudonym for record in loaded] == expected


def test_check_save_answers_like_a_save_without_writing(
    registry: Registry, clinician_a: Actor, clinician_b: Actor
) -> None:
    record = full_record()
    before = audit_count(registry.engine)
    assert (
        registry.check_save(clinician_a, record, on_existing="skip_identical") is SaveStatus.CREATED
    )
    assert rows_of(registry.engine, record.patient.id)["patients"] == 0
    registry.save_patient_record(clinician_a, record, reason="baseline import")
    assert (
        registry.check_save(clinician_a, record, on_existing="skip_identical")
        is SaveStatus.UNCHANGED
    )
    changed = record.model_copy(update={"diary_entries": record.diary_entries[:1]})
    assert registry.check_save(clinician_a, changed, on_existing="replace") is SaveStatus.REPLACED
    with pytest.raises(ConflictError, match="different content in: diary_entries"):
        registry.check_save(clinician_a, changed, on_existing="skip_identical")
    with pytest.raises(ConflictError, match="on_existing='reject'"):
        registry.check_save(clinician_a, record, on_existing="reject")
    with pytest.raises(ScopeError):
        registry.check_save(clinician_b, record, on_existing="replace")
    elsewhere = record.model_copy(
        update={"patient": record.patient.model_copy(update={"site_id": "SITE-X"})}
    )
    with pytest.raises(NotFoundError, match="not registered"):
        registry.check_save(Actor("admin", Role.ADMIN), elsewhere, on_existing="replace")
    # Only the one real save wrote anything.
    assert audit_count(registry.engine) == before + 1
    assert registry.load_patient_record(clinician_a, record.patient.id) == record
