"""The lean diary write path gives the same verdicts as validating the whole record.

``Registry.add`` / ``Registry.update`` of a diary entry check it with targeted queries
(:func:`spsreg.store.edits.check_diary_entry`) instead of loading and validating the whole record.
For each case of the table the whole-record verdict is worked out explicitly (load the record as
the actor, check the version, then :func:`spsreg.store.records.with_item`), the lean write is
run, and both must fail with the same error type (and the same message for the record's own
rules); afterwards the stored record still loads and validates, and a refused write left nothing
behind (no row, no audit entry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from pydantic import ValidationError
from record_examples import full_record
from sqlalchemy import Engine, func, select

from spsreg.domain import DiaryEntry, PatientRecord
from spsreg.store import (
    Actor,
    ConflictError,
    NotFoundError,
    RecordKind,
    Registry,
    Role,
)
from spsreg.store.records import find_item, with_item
from spsreg.store.tables import AUDIT_LOG

A, B = "p-0001", "p-0002"
DIARY = RecordKind.DIARY_ENTRIES
NEW_DAY = date(2021, 4, 1)
TAKEN_DAY = date(2021, 3, 2)  # full_record's entry p-0001-diary-2021-03-02
UPDATED_ID = f"{A}-diary-2021-03-01"


@dataclass(frozen=True)
class Case:
    """One diary write: by ``actor_name`` on ``patient_id``; an add, or an update of
    ``UPDATED_ID`` when ``version_offset`` is not None (added to the stored version)."""

    name: str
    actor_name: str
    patient_id: str
    entry_id: str
    day: date
    version_offset: int | None
    expected: type[Exception] | None


CASES = [
    Case("new day", "clinician_a", A, f"{A}-diary-new", NEW_DAY, None, None),
    Case("duplicate day", "clinician_a", A, f"{A}-diary-dup", TAKEN_DAY, None, ValidationError),
    Case("id of a diary entry", "clinician_a", A, UPDATED_ID, NEW_DAY, None, ConflictError),
    Case("id of a visit", "clinician_a", A, f"{A}-visit-phone", NEW_DAY, None, ValidationError),
    Case(
        "id of an assessment",
        "clinician_a",
        A,
        f"{A}-assessment-mrs-2",
        NEW_DAY,
        None,
        ValidationError,
    ),
    Case(
        "id of a medication course",
        "clinician_a",
        A,
        f"{A}-course-ivig",
        NEW_DAY,
        None,
        ValidationError,
    ),
    Case("id of a pump refill", "clinician_a", A, f"{A}-refill-1", NEW_DAY, None, ValidationError),
    Case("the patient's own id", "clinician_a", A, A, NEW_DAY, None, ValidationError),
    Case("update to a free day", "clinician_a", A, UPDATED_ID, NEW_DAY, 0, None),
    Case("update to a taken day", "clinician_a", A, UPDATED_ID, TAKEN_DAY, 0, ValidationError),
    Case("update, same day", "clinician_a", A, UPDATED_ID, date(2021, 3, 1), 0, None),
    Case("stale version", "clinician_a", A, UPDATED_ID, NEW_DAY, -1, ConflictError),
    Case("other site's patient", "clinician_a", B, f"{B}-diary-new", NEW_DAY, None, NotFoundError),
    Case("other site's update", "clinician_b", A, UPDATED_ID, NEW_DAY, 0, NotFoundError),
    Case("patient, own diary", "patient_a", A, f"{A}-diary-own", NEW_DAY, None, None),
    Case("patient, own update", "patient_a", A, UPDATED_ID, NEW_DAY, 0, None),
    Case("patient, another's", "patient_b", A, f"{A}-diary-x", NEW_DAY, None, NotFoundError),
]


@pytest.fixture
def actors(clinician_a: Actor, clinician_b: Actor) -> dict[str, Actor]:
    return {
        "clinician_a": clinician_a,
        "clinician_b": clinician_b,
        "patient_a": Actor("patient-a", Role.PATIENT, "SITE-A", patient_id=A),
        "patient_b": Actor("patient-b", Role.PATIENT, "SITE-B", patient_id=B),
    }


@pytest.fixture
def stored(registry: Registry, clinician_a: Actor, clinician_b: Actor) -> Registry:
    registry.save_patient_record(clinician_a, full_record(A, "SITE-A"), reason="import")
    registry.save_patient_record(clinician_b, full_record(B, "SITE-B"), reason="import")
    return registry


def audit_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(AUDIT_LOG)).scalar_one())


def entry_of(case: Case) -> DiaryEntry:
    return DiaryEntry(id=case.entry_id, entry_date=case.day, stiffness=3, spasm_count=1)


def stored_version(registry: Registry, admin: Actor, record_id: str) -> int:
    return registry.get(admin, DIARY, record_id).version


def whole_record_verdict(
    registry: Registry, actor: Actor, admin: Actor, case: Case
) -> Exception | None:
    """What the whole-record path decides: scope, version, existing id, then the whole record."""
    try:
        record = registry.load_patient_record(actor, case.patient_id)
        entry = entry_of(case)
        if case.version_offset is not None:
            if registry.get(actor, DIARY, case.entry_id).patient_id != case.patient_id:
                raise NotFoundError(f"diary_entries {case.entry_id} not found")
            if case.version_offset != 0:
                raise ConflictError("stale")
        else:
            try:
                find_item(record, DIARY, entry.id)
            except KeyError:
                pass
            else:
                raise ConflictError("exists")
        with_item(record, DIARY, entry)
    except (ConflictError, NotFoundError, ValidationError) as error:
        return error
    return None


def lean_write(registry: Registry, actor: Actor, admin: Actor, case: Case) -> Exception | None:
    entry = entry_of(case)
    try:
        if case.version_offset is None:
            registry.add(actor, case.patient_id, DIARY, entry, "diary")
        else:
            expected = stored_version(registry, admin, case.entry_id) + case.version_offset
            registry.update(actor, DIARY, entry, expected, "diary", patient_id=case.patient_id)
    except (ConflictError, NotFoundError, ValidationError) as error:
        return error
    return None


def first_message(error: Exception | None) -> str | None:
    return error.errors()[0]["msg"] if isinstance(error, ValidationError) else None


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_lean_diary_write_matches_whole_record_validation(
    stored: Registry, engine: Engine, admin: Actor, actors: dict[str, Actor], case: Case
) -> None:
    actor = actors[case.actor_name]
    expected = whole_record_verdict(stored, actor, admin, case)
    assert type(expected) is (case.expected or type(None)), "the table disagrees with the record"
    before = stored.load_patient_record(admin, case.patient_id)
    audits = audit_count(engine)

    outcome = lean_write(stored, actor, admin, case)

    assert type(outcome) is type(expected)
    assert first_message(outcome) == first_message(expected)
    after = stored.load_patient_record(admin, case.patient_id)
    assert PatientRecord.model_validate(after.model_dump()) == after  # loadable and valid
    if outcome is None:
        assert find_item(after, DIARY, case.entry_id)[0] == entry_of(case)
        assert audit_count(engine) == audits + 1
    else:
        assert after == before
        assert audit_count(engine) == audits


def test_lean_update_moves_the_version_and_audits_before_and_after(
    stored: Registry, admin: Actor, clinician_a: Actor
) -> None:
    version = stored_version(stored, admin, UPDATED_ID)
    entry = DiaryEntry(id=UPDATED_ID, entry_date=NEW_DAY, stiffness=1)
    saved = stored.update(clinician_a, DIARY, entry, version, "corrected")
    assert saved.version > version
    assert stored_version(stored, admin, UPDATED_ID) == saved.version
    unchanged = stored.update(clinician_a, DIARY, entry, saved.version, "again")
    assert unchanged.version == saved.version  # nothing changed: nothing written
    trail = [e for e in stored.audit_trail(admin, A) if e.entity_id == UPDATED_ID]
    assert trail[-1].action == "update"
    assert trail[-1].before is not None and '"stiffness":6' in trail[-1].before
    assert trail[-1].after is not None and '"entry_date":"2021-04-01"' in trail[-1].after
