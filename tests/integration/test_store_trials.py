"""Trial records in the store, on SQLite and PostgreSQL: insert or replace by NCT number, an
identical save changes nothing, every change is audited, only administrators and coordinators
write, and migration 0003 adds (and removes) the table."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select

from spsreg.domain.trials import InterventionModel, RecruitmentStatus, TrialRecord
from spsreg.ingest.ctgov import parse_ctgov
from spsreg.store import (
    Actor,
    ConflictError,
    NotFoundError,
    Registry,
    Role,
    SaveStatus,
    ScopeError,
    StoreError,
    create_engine_for,
    iter_audit_entries,
    migrate,
    verify_audit_chain,
)
from spsreg.store.migrate import alembic_config
from spsreg.store.tables import TRIALS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov"

COORDINATOR = Actor("coord-a", Role.COORDINATOR, "SITE-A")


def trial(name: str) -> TrialRecord:
    (record,) = parse_ctgov(json.loads((FIXTURES / name).read_text("utf-8")), source=name)
    return record


def page() -> list[TrialRecord]:
    return parse_ctgov(json.loads((FIXTURES / "page.json").read_text("utf-8")), source="page")


def audit_entries(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        return [(e.action, e.entity_kind, e.entity_id) for e in iter_audit_entries(connection)]


def stored_columns(engine: Engine, nct_id: str) -> tuple[object, ...]:
    with engine.connect() as connection:
        row = connection.execute(
            select(
                TRIALS.c.overall_status,
                TRIALS.c.phase,
                TRIALS.c.intervention_model,
                TRIALS.c.last_update_posted,
                TRIALS.c.row_version,
            ).where(TRIALS.c.nct_id == nct_id)
        ).one()
    return tuple(row)


def test_a_new_trial_is_created_with_its_columns_and_one_audit_entry(
    registry: Registry, engine: Engine, admin: Actor
) -> None:
    record = trial("crossover_ivig.json")

    outcome = registry.save_trial(admin, record, "trial registered for the IVIG study")

    assert (outcome.status, outcome.nct_id) == (SaveStatus.CREATED, "NCT09900101")
    stored = registry.get_trial(admin, "NCT09900101")
    assert stored.record == record
    assert stored.version == outcome.version
    assert stored_columns(engine, "NCT09900101") == (
        "COMPLETED",
        "PHASE2",
        "CROSSOVER",
        date(2022, 1, 14),
        outcome.version,
    )
    with engine.connect() as connection:
        entry = list(iter_audit_entries(connection))[-1]
    assert (entry.action, entry.entity_kind, entry.entity_id) == ("create", "trial", "NCT09900101")
    assert (entry.patient_id, entry.before, entry.reason) == (
        None,
        None,
        "trial registered for the IVIG study",
    )
    assert entry.after is not None
    assert TrialRecord.model_validate(json.loads(entry.after)) == record


def test_saving_the_same_record_again_changes_nothing_and_audits_nothing(
    registry: Registry, engine: Engine, admin: Actor
) -> None:
    record = trial("parallel_rituximab.json")
    first = registry.save_trial(admin, record, "import")
    before = audit_entries(engine)

    again = registry.save_trial(COORDINATOR, trial("parallel_rituximab.json"), "import")

    assert (again.status, again.version) == (SaveStatus.UNCHANGED, None)
    assert audit_entries(engine) == before
    assert registry.get_trial(admin, record.nct_id).version == first.version


def test_a_changed_record_replaces_the_stored_one_and_the_audit_shows_both(
    registry: Registry, engine: Engine, admin: Actor
) -> None:
    old = trial("parallel_rituximab.json")
    registry.save_trial(admin, old, "import")
    new = old.model_copy(
        update={
            "overall_status": RecruitmentStatus.ACTIVE_NOT_RECRUITING,
            "enrollment_count": 26,
            "last_update_posted": date(2025, 9, 1),
        }
    )

    outcome = registry.save_trial(COORDINATOR, new, "status update from CT.gov")

    assert outcome.status is SaveStatus.REPLACED
    assert registry.get_trial(admin, old.nct_id).record == new
    assert stored_columns(engine, old.nct_id)[0::3] == ("ACTIVE_NOT_RECRUITING", date(2025, 9, 1))
    with engine.connect() as connection:
        entry = list(iter_audit_entries(connection))[-1]
    assert (entry.action, entry.actor_user, entry.entity_id) == ("replace", "coord-a", old.nct_id)
    assert entry.before is not None and entry.after is not None
    assert json.loads(entry.before)["enrollment_count"] == 24
    assert json.loads(entry.after)["enrollment_count"] == 26
    assert verify_audit_chain(engine).ok


def test_an_older_download_does_not_replace_a_newer_record(
    registry: Registry, engine: Engine, admin: Actor
) -> None:
    newer = trial("parallel_rituximab.json")
    registry.save_trial(admin, newer, "import")
    before = audit_entries(engine)
    older = newer.model_copy(
        update={"enrollment_count": 20, "last_update_posted": date(2024, 12, 1)}
    )

    with pytest.raises(ConflictError, match=r"last updated on CT\.gov on 2024-12-01"):
        registry.save_trial(admin, older, "import")

    assert registry.get_trial(admin, newer.nct_id).record == newer
    assert audit_entries(engine) == before


@pytest.mark.parametrize(
    "actor",
    [
        Actor("res-a", Role.RESEARCHER, "SITE-A"),
        Actor("dr-alpha", Role.CLINICIAN, "SITE-A"),
        Actor("p-1", Role.PATIENT, "SITE-A", patient_id="p-1"),
        Actor("scheduler", Role.SYSTEM),
    ],
    ids=lambda actor: actor.role.value,
)
def test_only_administrators_and_coordinators_save_trials(
    registry: Registry, engine: Engine, actor: Actor
) -> None:
    before = audit_entries(engine)

    with pytest.raises(ScopeError, match="only an administrator or a coordinator"):
        registry.save_trial(actor, trial("crossover_ivig.json"), "import")

    assert registry.list_trials(actor) == []
    assert audit_entries(engine) == before


def test_a_save_needs_a_reason(registry: Registry, admin: Actor) -> None:
    with pytest.raises(StoreError, match="needs a reason"):
        registry.save_trial(admin, trial("crossover_ivig.json"), "  ")
    assert registry.list_trials(admin) == []


def test_every_actor_lists_the_trials_by_nct_number_and_by_status(
    registry: Registry, admin: Actor
) -> None:
    for record in [trial("parallel_rituximab.json"), *page(), trial("crossover_ivig.json")]:
        registry.save_trial(admin, record, "import")
    researcher = Actor("res-b", Role.RESEARCHER, "SITE-B")

    listed = registry.list_trials(researcher)
    recruiting = registry.list_trials(researcher, status="RECRUITING")

    assert [t.record.nct_id for t in listed] == [
        "NCT09900101",
        "NCT09900202",
        "NCT09900303",
        "NCT09900404",
    ]
    assert len({t.version for t in listed}) == 4
    assert [t.record.nct_id for t in recruiting] == ["NCT09900202"]
    assert listed[3].record.design.intervention_model is InterventionModel.SINGLE_GROUP


def test_getting_a_trial_that_is_not_stored(registry: Registry, admin: Actor) -> None:
    with pytest.raises(NotFoundError, match="no trial NCT09999999 is stored"):
        registry.get_trial(admin, "NCT09999999")


def test_migration_0003_adds_the_table_and_its_downgrade_removes_it(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'trials.sqlite3'}")
    try:
        migrate(engine, "0002")
        assert "trials" not in inspect(engine).get_table_names()
        migrate(engine, "0003")
        registry = Registry(engine)
        registry.save_trial(Actor("admin", Role.ADMIN), trial("crossover_ivig.json"), "import")
        assert [t.record.nct_id for t in registry.list_trials(COORDINATOR)] == ["NCT09900101"]

        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
        assert "trials" not in inspect(engine).get_table_names()
        assert verify_audit_chain(engine).ok  # the trial's audit entry outlives the table
    finally:
        engine.dispose()
