"""Trial criteria, screening, feasibility and enrolment on SQLite and PostgreSQL: both engines
give the scenario table, site scope holds, feasibility counts go through disclosure control, and
only patients screened eligible on the date are enrolled, each change audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect
from trial_screening_examples import AS_OF, CRITERIA_YAML, EXPECTED, NCT, scenario_records, trial

from spsreg.domain import Site
from spsreg.query import CriteriaError
from spsreg.services.trial_screening import (
    attach_criteria,
    enrol_patients,
    screen_trial,
    trial_feasibility,
)
from spsreg.store import (
    Actor,
    ConflictError,
    NotFoundError,
    Registry,
    Role,
    ScopeError,
    create_engine_for,
    migrate,
)
from spsreg.store.audit import iter_audit_entries, verify_audit_chain
from spsreg.store.migrate import alembic_config
from spsreg.store.save_plan import SaveStatus


@pytest.fixture
def screened_registry(registry: Registry, admin: Actor) -> Registry:
    registry.save_trial(admin, trial(), "import")
    for record in scenario_records():
        registry.save_patient_record(admin, record, reason="import")
    attach_criteria(registry, admin, NCT, CRITERIA_YAML, "criteria from the protocol")
    return registry


def _entries(engine: Engine, kind: str) -> list[dict[str, object]]:
    with engine.connect() as connection:
        return [
            {
                "entity_id": e.entity_id,
                "patient_id": e.patient_id,
                "action": e.action,
                "after": json.loads(e.after or "null"),
            }
            for e in iter_audit_entries(connection)
            if e.entity_kind == kind
        ]


@pytest.mark.parametrize("engine_name", ["sql", "memory"])
def test_both_engines_screen_the_scenarios(
    screened_registry: Registry, admin: Actor, engine_name: str
) -> None:
    screening = screen_trial(screened_registry, admin, NCT, as_of=AS_OF, engine=engine_name)  # type: ignore[arg-type]
    found = {
        p.patient_id: (
            p.status.value,
            p.contactable,
            None if p.failed is None else p.failed.key,
            len(p.missing),
        )
        for p in screening.screening.patients
    }
    assert found == EXPECTED
    assert screening.criteria_version == 1


def test_site_staff_screen_only_their_site(screened_registry: Registry, clinician_b: Actor) -> None:
    screening = screen_trial(screened_registry, clinician_b, NCT, as_of=AS_OF)
    assert [p.patient_id for p in screening.screening.patients] == ["P09", "P10"]
    with pytest.raises(ScopeError):
        screen_trial(screened_registry, clinician_b, NCT, as_of=AS_OF, site_id="SITE-A")


def test_researchers_cannot_screen(screened_registry: Registry) -> None:
    with pytest.raises(ScopeError, match="individual patients"):
        screen_trial(screened_registry, Actor("res", Role.RESEARCHER, "SITE-A"), NCT, as_of=AS_OF)


def test_criteria_are_versioned_audited_and_validated(
    screened_registry: Registry, admin: Actor, clinician_a: Actor, engine: Engine
) -> None:
    again = attach_criteria(screened_registry, admin, NCT, CRITERIA_YAML, "same")
    assert (again.outcome.status, again.outcome.criteria_version) == (SaveStatus.UNCHANGED, 1)
    changed = CRITERIA_YAML.replace("max_years: 75", "max_years: 70")
    replaced = attach_criteria(screened_registry, admin, NCT, changed, "amendment 2")
    assert (replaced.outcome.status, replaced.outcome.criteria_version) == (SaveStatus.REPLACED, 2)
    assert replaced.eligibility_text is not None and "GAD65" in replaced.eligibility_text
    stored = screened_registry.get_trial_criteria(clinician_a, NCT)
    assert (stored.document_text, stored.version, stored.recorded_by) == (changed, 2, admin.user)
    assert [e["action"] for e in _entries(engine, "trial_criteria")] == ["create", "replace"]
    with pytest.raises(CriteriaError, match="gad56_antibody"):
        attach_criteria(screened_registry, admin, NCT, changed.replace("gad65", "gad56"), "x")
    with pytest.raises(ScopeError):
        attach_criteria(screened_registry, clinician_a, NCT, CRITERIA_YAML, "x")
    with pytest.raises(NotFoundError):
        attach_criteria(screened_registry, admin, "NCT00000000", CRITERIA_YAML, "x")


def test_feasibility_is_exact_for_the_administrator_and_controlled_when_shared(
    screened_registry: Registry, admin: Actor
) -> None:
    exact = trial_feasibility(screened_registry, admin, NCT, as_of=AS_OF)
    assert exact.table.row_labels == ("SITE-A", "SITE-B")
    assert exact.table.column_labels == (
        "eligible",
        "not_contactable",
        "ineligible",
        "undetermined",
    )
    assert exact.table.cells == ((1, 2, 3, 2), (2, 0, 0, 0))
    assert exact.metadata()["disclosure_control"]["counts"] == "exact"
    shared = trial_feasibility(screened_registry, admin, NCT, as_of=AS_OF, share=True)
    assert shared.metadata()["disclosure_control"]["counts"] == "controlled"
    released = [c for row in shared.table.cells for c in row if c is not None]
    assert all(c == 0 for c in released), "every count 1..7 is suppressed or hidden"
    assert shared.table.grand_total is None or shared.table.grand_total % 5 == 0


def test_a_site_coordinator_gets_exact_counts_of_their_own_site(
    screened_registry: Registry,
) -> None:
    coordinator = Actor("coord-b", Role.COORDINATOR, "SITE-B")
    feasibility = trial_feasibility(screened_registry, coordinator, NCT, as_of=AS_OF)
    assert feasibility.table.cells == ((2, 0, 0, 0),)
    assert feasibility.sharing.audience.value == "own_site_staff"


def test_only_patients_screened_eligible_that_day_are_enrolled(
    screened_registry: Registry, clinician_a: Actor, engine: Engine
) -> None:
    attempts = enrol_patients(
        screened_registry,
        clinician_a,
        NCT,
        ["P01", "P02", "P06", "P04", "P09"],
        on=AS_OF,
        reason="consented to the trial",
    )
    outcome = {a.patient_id: a.refused for a in attempts}
    assert outcome["P01"] is None
    assert "contacted" in (outcome["P02"] or "")
    assert "undetermined" in (outcome["P06"] or "")
    assert "Aged 18 to 75" in (outcome["P04"] or "")
    assert outcome["P09"] == "patient not found"  # another site's patient
    enrolled = screened_registry.list_enrolments(clinician_a, NCT)
    assert [
        (e.patient_id, e.status.value, e.screened_on, e.criteria_version) for e in enrolled
    ] == [("P01", "enrolled", AS_OF, 1)]
    again = enrol_patients(screened_registry, clinician_a, NCT, ["P01"], on=AS_OF, reason="x")
    assert "already enrolled" in (again[0].refused or "")
    entries = _entries(engine, "trial_enrolment")
    assert [(e["patient_id"], e["action"]) for e in entries] == [("P01", "create")]


def test_withdrawal_keeps_the_enrolment_and_deleting_an_enrolled_patient_is_refused(
    screened_registry: Registry, admin: Actor, clinician_a: Actor
) -> None:
    enrol_patients(screened_registry, clinician_a, NCT, ["P01"], on=AS_OF, reason="consented")
    withdrawn = screened_registry.withdraw_from_trial(
        clinician_a, NCT, "P01", withdrawn_on=AS_OF, reason="patient's wish"
    )
    assert (withdrawn.status.value, withdrawn.withdrawn_on) == ("withdrawn", AS_OF)
    with pytest.raises(ConflictError, match="already withdrawn"):
        screened_registry.withdraw_from_trial(
            clinician_a, NCT, "P01", withdrawn_on=AS_OF, reason="x"
        )
    version = screened_registry.get(admin, "patient", "P01").version
    with pytest.raises(ConflictError):
        screened_registry.delete(admin, "patient", "P01", version, "erase")
    assert screened_registry.list_enrolments(admin, NCT)[0].status.value == "withdrawn"


def test_migration_0004_adds_the_tables_and_its_downgrade_removes_only_them(
    tmp_path: Path, admin: Actor
) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'upgrade.sqlite3'}")
    new_tables = {"trial_criteria", "trial_enrolments", "randomization_lists", "allocations"}
    try:
        migrate(engine, "0003")
        registry = Registry(engine)
        registry.save_trial(admin, trial(), "import")
        assert not new_tables & set(inspect(engine).get_table_names())
        migrate(engine)
        assert new_tables <= set(inspect(engine).get_table_names())
        registry.add_site(admin, Site(id="SITE-A", name="Site A", country="GB"))
        registry.save_patient_record(admin, scenario_records()[0], reason="import")
        attach_criteria(registry, admin, NCT, CRITERIA_YAML, "protocol")
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0003")
        assert not new_tables & set(inspect(engine).get_table_names())
        assert registry.get_trial(admin, NCT).record == trial()
        assert verify_audit_chain(engine).ok
    finally:
        engine.dispose()
