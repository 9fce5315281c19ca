"""The audit trail: one entry per successful write, chained by hashes, and tampering detected."""

from __future__ import annotations

import itertools
import json
import re
from datetime import date

import pytest
from pydantic import ValidationError
from record_examples import full_record
from sqlalchemy import Engine, delete, update

from spsreg.domain import DiaryEntry
from spsreg.store import (
    Actor,
    AuditEntry,
    AuditHead,
    ConflictError,
    NotFoundError,
    Registry,
    ScopeError,
    StoreError,
    audit_head,
    iter_audit_entries,
    verify_audit_chain,
)
from spsreg.store.audit import GENESIS_HASH, canonical_json, sha256_hex
from spsreg.store.tables import AUDIT_LOG

P = "p-0001"


def entries(engine: Engine) -> list[AuditEntry]:
    with engine.connect() as connection:
        return list(iter_audit_entries(connection))


def run_mixed_workload(registry: Registry, clinician_a: Actor, clinician_b: Actor) -> int:
    """Successful and failing writes; returns how many succeeded (sites excluded)."""
    succeeded = 0
    registry.save_patient_record(clinician_a, full_record(), reason="import")
    succeeded += 1
    registry.save_patient_record(
        clinician_a, full_record(), reason="re-import", on_existing="skip_identical"
    )  # unchanged: no entry
    with pytest.raises(ConflictError):
        registry.save_patient_record(clinician_a, full_record(), reason="again")
    with pytest.raises(ScopeError):
        registry.save_patient_record(clinician_b, full_record(), reason="wrong site")
    entry = DiaryEntry(id=f"{P}-diary-new", entry_date=date(2022, 2, 2), stiffness=3)
    added = registry.add(clinician_a, P, "diary_entries", entry, "diary")
    succeeded += 1
    with pytest.raises(ValidationError):
        registry.add(clinician_a, P, "diary_entries", entry.model_copy(update={"id": "x-1"}), "dup")
    with pytest.raises(NotFoundError):
        registry.add(clinician_b, P, "diary_entries", entry, "foreign")
    updated = registry.update(
        clinician_a,
        "diary_entries",
        entry.model_copy(update={"stiffness": 2}),
        added.version,
        "fix",
    )
    succeeded += 1
    with pytest.raises(ConflictError):
        registry.update(clinician_a, "diary_entries", entry, added.version, "stale")
    with pytest.raises(StoreError):
        registry.delete(clinician_a, "diary_entries", entry.id, added.version, "stale delete")
    registry.delete(clinician_a, "diary_entries", entry.id, updated.version, "entered twice")
    succeeded += 1
    return succeeded


def test_audit_entries_equal_successful_writes(
    registry: Registry, clinician_a: Actor, clinician_b: Actor, engine: Engine
) -> None:
    succeeded = run_mixed_workload(registry, clinician_a, clinician_b)
    log = entries(engine)

    assert len(log) == 2 + succeeded  # two site registrations by the fixture
    assert [e.action for e in log] == ["create", "create", "create", "create", "update", "delete"]
    assert [e.entity_kind for e in log] == [
        "site",
        "site",
        "patient_record",
        "diary_entries",
        "diary_entries",
        "diary_entries",
    ]
    assert [e.sequence for e in log] == list(range(1, len(log) + 1))
    assert log[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(log))
    assert all(e.hash == e.computed_hash() for e in log)
    stamps = [e.recorded_at for e in log]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", s) for s in stamps)
    assert stamps == sorted(stamps) and stamps[0] == "2025-01-01T00:00:00.000000Z"
    assert (log[3].actor_user, log[3].actor_role, log[3].actor_site_id) == (
        "dr-alpha",
        "clinician",
        "SITE-A",
    )
    assert [e.reason for e in log[2:]] == ["import", "diary", "fix", "entered twice"]
    assert registry.audit_trail(clinician_a, P) == log[2:]

    result = verify_audit_chain(engine, expected_head=audit_head_of(engine))
    assert result.ok and result.entries_checked == len(log) and result.problem is None


def audit_head_of(engine: Engine) -> AuditHead:
    with engine.connect() as connection:
        return audit_head(connection)


def test_a_whole_record_is_audited_as_digest_and_counts(
    registry: Registry, clinician_a: Actor, engine: Engine
) -> None:
    record = full_record()
    registry.save_patient_record(clinician_a, record, reason="import")
    after = json.loads(entries(engine)[-1].after)
    assert after == {
        "record_sha256": sha256_hex(canonical_json(record.model_dump(mode="json"))),
        "identifiers": True,
        "sections": {
            "consents": 2,
            "lab_results": 3,
            "comorbidities": 2,
            "genetic_markers": 1,
            "visits": 3,
            "assessments": 3,
            "medication_courses": 4,
            "administrations": 2,
            "pumps": 1,
            "pump_refills": 2,
            "procedures": 2,
            "non_drug_therapies": 1,
            "adverse_events": 2,
            "diary_entries": 3,
        },
    }


@pytest.fixture
def chain(registry: Registry, clinician_a: Actor, clinician_b: Actor, engine: Engine) -> int:
    """A chain of six entries; returns its length."""
    run_mixed_workload(registry, clinician_a, clinician_b)
    return len(entries(engine))


def test_an_edited_entry_is_found(chain: int, engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(AUDIT_LOG).where(AUDIT_LOG.c.sequence == 4).values(reason="nothing to see")
        )
    result = verify_audit_chain(engine)
    assert not result.ok
    assert (result.first_broken_sequence, result.entries_checked) == (4, 3)
    assert "edited" in (result.problem or "")


def test_a_deleted_entry_is_found(chain: int, engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(delete(AUDIT_LOG).where(AUDIT_LOG.c.sequence == 3))
    result = verify_audit_chain(engine)
    assert (result.ok, result.first_broken_sequence) == (False, 3)
    assert "missing (deleted)" in (result.problem or "")


def test_reordered_entries_are_found(chain: int, engine: Engine) -> None:
    with engine.begin() as connection:
        for old, new in ((2, -1), (5, 2), (-1, 5)):
            connection.execute(
                update(AUDIT_LOG).where(AUDIT_LOG.c.sequence == old).values(sequence=new)
            )
    result = verify_audit_chain(engine)
    assert (result.ok, result.first_broken_sequence) == (False, 2)
    assert "reordered" in (result.problem or "")


def test_a_cut_off_end_is_found_against_a_kept_head(chain: int, engine: Engine) -> None:
    head = audit_head_of(engine)
    with engine.begin() as connection:
        connection.execute(delete(AUDIT_LOG).where(AUDIT_LOG.c.sequence >= chain - 1))
    assert verify_audit_chain(engine).ok  # the remaining prefix is a valid chain
    result = verify_audit_chain(engine, expected_head=head)
    assert (result.ok, result.first_broken_sequence) == (False, chain - 1)
    assert "cut off" in (result.problem or "")


def test_an_empty_log_verifies(engine: Engine) -> None:
    result = verify_audit_chain(engine)
    assert (result.ok, result.entries_checked) == (True, 0)
