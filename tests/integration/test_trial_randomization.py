"""Concealed, audited allocation on SQLite and PostgreSQL: no method returns an unused entry,
each allocation reveals exactly the next entry of the patient's stratum, concurrent allocations
hand out distinct entries, every allocation has its audit entry, and site staff allocate only
their own site's enrolled patients."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, select
from trial_screening_examples import AS_OF, CRITERIA_YAML, NCT, scenario_records, trial

from spsreg.domain import PatientRecord
from spsreg.services.trial_randomization import setup_randomization
from spsreg.services.trial_screening import attach_criteria, enrol_patients
from spsreg.store import Actor, ConflictError, NotFoundError, Registry, Role, ScopeError
from spsreg.store.audit import iter_audit_entries, verify_audit_chain
from spsreg.store.tables import ALLOCATIONS

WORKERS = 6


def _copies(record: PatientRecord, count: int) -> Iterator[PatientRecord]:
    for number in range(count):
        pid = f"Q{number:02d}"
        yield record.model_copy(
            update={
                "patient": record.patient.model_copy(
                    update={"id": pid, "pseudonym": f"SPS-R{pid}"}
                ),
                "consents": tuple(c.model_copy(update={"id": f"{pid}-c"}) for c in record.consents),
                "lab_results": tuple(
                    r.model_copy(update={"id": f"{pid}-l"}) for r in record.lab_results
                ),
            }
        )


@pytest.fixture
def trial_registry(registry: Registry, admin: Actor, clinician_a: Actor) -> Registry:
    registry.save_trial(admin, trial(), "import")
    eligible = scenario_records()[0]
    for record in [*scenario_records(), *_copies(eligible, WORKERS)]:
        registry.save_patient_record(admin, record, reason="import")
    attach_criteria(registry, admin, NCT, CRITERIA_YAML, "protocol")
    ids = ["P01", *(f"Q{n:02d}" for n in range(WORKERS))]
    enrol_patients(registry, clinician_a, NCT, ids, on=AS_OF, reason="consented")
    enrol_patients(registry, admin, NCT, ["P09", "P10"], on=AS_OF, reason="consented")
    return registry


def _stored_list(engine: Engine) -> list[dict[str, object]]:
    """The whole list, read as a database administrator could (the tests' view only)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(ALLOCATIONS).order_by(ALLOCATIONS.c.stratum, ALLOCATIONS.c.sequence)
        )
        return [dict(row._mapping) for row in rows]


def _setup(registry: Registry, admin: Actor) -> object:
    return setup_randomization(
        registry, admin, NCT, factors=["site", "phenotype"], block_sizes=[2, 4], per_stratum=12
    )


def test_setup_is_for_an_administrator_once_and_shows_no_entry(
    trial_registry: Registry, admin: Actor, clinician_a: Actor, engine: Engine
) -> None:
    with pytest.raises(ScopeError):
        setup_randomization(trial_registry, clinician_a, NCT, factors=["site"], block_sizes=[2])
    setup = _setup(trial_registry, admin)
    stored = _stored_list(engine)
    assert setup.strata == 2 * 7 and setup.entries == len(stored)  # type: ignore[attr-defined]
    assert setup.scheme["treatments"] == ["IVIG", "Placebo"]  # type: ignore[attr-defined]
    treatments = {str(row["treatment"]) for row in stored}
    assert not any(hasattr(setup, name) for name in ("seed", "list", "assignments"))
    with engine.connect() as connection:
        audit = [e for e in iter_audit_entries(connection) if e.entity_kind == "randomization_list"]
    assert len(audit) == 1 and audit[0].after is not None
    logged = json.loads(audit[0].after)
    assert set(logged) == {"scheme", "strata", "entries", "list_digest"}
    assert "seed" not in audit[0].after and treatments == {"IVIG", "Placebo"}
    with pytest.raises(ConflictError, match="never replaced"):
        _setup(trial_registry, admin)
    assert trial_registry.list_allocations(admin, NCT) == []


def test_each_allocation_reveals_exactly_the_next_entry_of_its_stratum(
    trial_registry: Registry, admin: Actor, clinician_a: Actor, engine: Engine
) -> None:
    _setup(trial_registry, admin)
    before = _stored_list(engine)
    stratum = "site=SITE-A;phenotype=classic"
    expected = [row["treatment"] for row in before if row["stratum"] == stratum][:3]
    got = [
        trial_registry.allocate(clinician_a, NCT, pid, "randomized")
        for pid in ("P01", "Q00", "Q01")
    ]
    assert [(a.stratum, a.sequence) for a in got] == [(stratum, 1), (stratum, 2), (stratum, 3)]
    assert [a.treatment for a in got] == expected
    after = _stored_list(engine)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert [a["patient_id"] for _, a in changed] == ["P01", "Q00", "Q01"]
    listed = trial_registry.list_allocations(clinician_a, NCT)
    assert [(a.patient_id, a.treatment) for a in listed] == [
        (a.patient_id, a.treatment) for a in got
    ]
    again = trial_registry.allocate(clinician_a, NCT, "P01", "asked again")
    assert again.already_allocated and (again.sequence, again.treatment) == (1, expected[0])
    partial = trial_registry.allocate(admin, NCT, "P09", "randomized")
    assert (partial.stratum, partial.sequence) == ("site=SITE-B;phenotype=partial", 1)
    assert [a.patient_id for a in trial_registry.list_allocations(clinician_a, NCT)] == [
        "P01",
        "Q00",
        "Q01",
    ]


def test_site_staff_allocate_only_their_own_enrolled_patients(
    trial_registry: Registry, admin: Actor, clinician_a: Actor
) -> None:
    _setup(trial_registry, admin)
    with pytest.raises(NotFoundError):
        trial_registry.allocate(clinician_a, NCT, "P09", "randomized")
    with pytest.raises(ConflictError, match="not enrolled"):
        trial_registry.allocate(clinician_a, NCT, "P04", "randomized")
    with pytest.raises(ScopeError):
        trial_registry.allocate(Actor("res", Role.RESEARCHER, "SITE-A"), NCT, "P01", "r")
    trial_registry.withdraw_from_trial(clinician_a, NCT, "Q05", withdrawn_on=AS_OF, reason="wish")
    with pytest.raises(ConflictError, match="withdrawn"):
        trial_registry.allocate(clinician_a, NCT, "Q05", "randomized")


def test_allocation_needs_a_list(trial_registry: Registry, clinician_a: Actor) -> None:
    with pytest.raises(NotFoundError, match="no randomization list"):
        trial_registry.allocate(clinician_a, NCT, "P01", "randomized")


def test_concurrent_allocations_hand_out_distinct_entries_each_audited(
    trial_registry: Registry, admin: Actor, engine: Engine
) -> None:
    _setup(trial_registry, admin)
    barrier = threading.Barrier(WORKERS)

    def allocate(number: int) -> tuple[str, int, str]:
        actor = Actor(f"nurse-{number}", Role.COORDINATOR, "SITE-A")
        barrier.wait()
        allocation = trial_registry.allocate(actor, NCT, f"Q{number:02d}", "randomized")
        return allocation.patient_id, allocation.sequence, allocation.treatment

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(allocate, range(WORKERS)))
    assert sorted(sequence for _, sequence, _ in results) == list(range(1, WORKERS + 1))
    stored = {
        row["sequence"]: (row["patient_id"], row["treatment"])
        for row in _stored_list(engine)
        if row["stratum"] == "site=SITE-A;phenotype=classic" and row["patient_id"] is not None
    }
    assert stored == {sequence: (pid, arm) for pid, sequence, arm in results}
    with engine.connect() as connection:
        audit = [
            json.loads(e.after or "{}") | {"by": e.actor_user, "patient": e.patient_id}
            for e in iter_audit_entries(connection)
            if e.entity_kind == "allocation"
        ]
    assert sorted((a["patient"], a["sequence"], a["treatment"]) for a in audit) == sorted(results)
    assert all(a["allocated_by"] == a["by"] for a in audit)
    assert verify_audit_chain(engine).ok


def test_a_crossover_trial_allocates_sequences(
    registry: Registry, admin: Actor, clinician_a: Actor
) -> None:
    registry.save_trial(admin, trial("CROSSOVER"), "import")
    registry.save_patient_record(admin, scenario_records()[0], reason="import")
    attach_criteria(registry, admin, NCT, CRITERIA_YAML, "protocol")
    enrol_patients(registry, clinician_a, NCT, ["P01"], on=AS_OF, reason="consented")
    setup = setup_randomization(registry, admin, NCT, factors=[], block_sizes=[2, 4], per_stratum=8)
    assert setup.scheme["sequence_arms"] == {"A": "IVIG", "B": "Placebo"}
    allocation = registry.allocate(clinician_a, NCT, "P01", "randomized")
    assert (allocation.stratum, allocation.treatment in ("AB", "BA")) == ("all", True)
