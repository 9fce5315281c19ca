"""Stored alert acknowledgements and snoozes: round trip, audit, scope, whole-record replace and
the 0002 migration, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from domain_strategies import alert_acknowledgements
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from record_examples import full_record, minimal_record
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import make_url

from spsreg.domain import (
    AcknowledgementKind,
    AlertAcknowledgement,
    PatientRecord,
    Site,
    is_silenced,
    record_decision,
)
from spsreg.store import (
    Actor,
    ConflictError,
    NotFoundError,
    RecordKind,
    Registry,
    Role,
    ScopeError,
    StoreError,
    create_engine_for,
    iter_audit_entries,
    migrate,
    verify_audit_chain,
)
from spsreg.store.acknowledgements import ACKNOWLEDGEMENT_ENTITY
from spsreg.store.migrate import alembic_config
from spsreg.store.records import load_records
from spsreg.store.tables import PATIENTS, SCHEMA_INFO
from spsreg.store.transactions import read_transaction

A = "p-ack-A"
B = "p-ack-B"
RULE = "benzodiazepine-dose-limit"
FINGERPRINT = "ab" * 32
AT = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


class _Alert:
    """Stands in for the monitoring engine's alert (rule id, patient id, fingerprint)."""

    def __init__(self, patient_id: str, rule_id: str = RULE, fingerprint: str = FINGERPRINT):
        self.patient_id = patient_id
        self.rule_id = rule_id
        self.fingerprint = fingerprint


def acknowledgement(
    patient_id: str = A, by: str = "dr-alpha", at: datetime = AT, fingerprint: str = FINGERPRINT
) -> AlertAcknowledgement:
    return record_decision(
        _Alert(patient_id, fingerprint=fingerprint),
        kind=AcknowledgementKind.ACKNOWLEDGE,
        reason="dose reviewed with the patient; taper planned",
        acknowledged_by=by,
        acknowledged_at=at,
    )


def snooze(
    patient_id: str = A, by: str = "dr-alpha", until: date = date(2025, 4, 1)
) -> AlertAcknowledgement:
    return record_decision(
        _Alert(patient_id),
        kind="snooze",
        reason="review at the April clinic",
        acknowledged_by=by,
        acknowledged_at=AT + timedelta(hours=1),
        snoozed_until=until,
    )


@pytest.fixture
def two_patients(registry: Registry, clinician_a: Actor, clinician_b: Actor) -> Registry:
    registry.save_patient_record(clinician_a, minimal_record(A, "SITE-A"), reason="import")
    registry.save_patient_record(clinician_b, minimal_record(B, "SITE-B"), reason="import")
    return registry


def test_decisions_round_trip_exactly(two_patients: Registry, clinician_a: Actor) -> None:
    made = [acknowledgement(), snooze()]
    versions = [two_patients.acknowledge_alert(clinician_a, item) for item in made]
    assert [v.record for v in versions] == made
    assert [v.patient_id for v in versions] == [A, A]
    assert versions[0].version < versions[1].version
    loaded = two_patients.list_acknowledgements(clinician_a)
    assert loaded == made
    assert [item.model_dump(mode="json") for item in loaded] == [
        item.model_dump(mode="json") for item in made
    ]
    assert loaded[0].acknowledged_at.tzinfo is UTC
    assert is_silenced(_Alert(A), loaded, date(2025, 3, 15)) == made[1]
    assert is_silenced(_Alert(A, fingerprint="cd" * 32), loaded, date(2025, 4, 1)) is None
    assert is_silenced(_Alert(A), loaded, date(2025, 4, 1)) is None  # the snooze won and ended


_serial = itertools.count()


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(alert_acknowledgements(), min_size=1, max_size=4))
def test_any_valid_decision_round_trips(
    two_patients: Registry, clinician_a: Actor, drawn: list[AlertAcknowledgement]
) -> None:
    """Any text, fingerprint, moment (microseconds included) and snooze date comes back equal."""
    made = [
        item.model_copy(
            update={"id": f"ack-{next(_serial)}", "patient_id": A, "acknowledged_by": "dr-alpha"}
        )
        for item in drawn
    ]
    for item in made:
        two_patients.acknowledge_alert(clinician_a, item)
    stored = {item.id: item for item in two_patients.list_acknowledgements(clinician_a, [A])}
    assert [stored[item.id] for item in made] == made


def test_a_moment_given_in_another_zone_is_kept_as_the_same_moment_in_utc(
    two_patients: Registry, clinician_a: Actor
) -> None:
    local = AT.astimezone(timezone(timedelta(hours=-5)))
    two_patients.acknowledge_alert(clinician_a, acknowledgement(at=local))
    (loaded,) = two_patients.list_acknowledgements(clinician_a)
    assert loaded.acknowledged_at == AT and loaded.acknowledged_at.utcoffset() == timedelta(0)


def test_each_decision_writes_one_audit_entry_in_its_transaction(
    two_patients: Registry, clinician_a: Actor, engine: Engine
) -> None:
    item = acknowledgement()
    stored = two_patients.acknowledge_alert(clinician_a, item, reason="worklist review")
    trail = [
        e
        for e in two_patients.audit_trail(clinician_a, A)
        if e.entity_kind == ACKNOWLEDGEMENT_ENTITY
    ]
    assert len(trail) == 1
    entry = trail[0]
    assert (entry.sequence, entry.action, entry.entity_id, entry.patient_id) == (
        stored.version,
        "create",
        item.id,
        A,
    )
    assert (entry.actor_user, entry.actor_role, entry.actor_site_id) == (
        "dr-alpha",
        "clinician",
        "SITE-A",
    )
    assert entry.reason == "worklist review" and entry.before is None
    assert entry.after is not None and json.loads(entry.after) == item.model_dump(mode="json")

    two_patients.acknowledge_alert(clinician_a, snooze())  # audit reason: the decision's own
    last = two_patients.audit_trail(clinician_a, A)[-1]
    assert last.reason == "review at the April clinic"
    assert verify_audit_chain(engine).ok


def test_recording_the_same_decision_again_changes_nothing(
    two_patients: Registry, clinician_a: Actor
) -> None:
    first = two_patients.acknowledge_alert(clinician_a, acknowledgement())
    entries = len(two_patients.audit_trail(clinician_a, A))
    again = two_patients.acknowledge_alert(clinician_a, acknowledgement())
    assert again == first
    assert len(two_patients.audit_trail(clinician_a, A)) == entries


def test_a_different_decision_under_a_used_id_is_refused(
    two_patients: Registry, clinician_a: Actor
) -> None:
    first = acknowledgement()
    two_patients.acknowledge_alert(clinician_a, first)
    entries = len(two_patients.audit_trail(clinician_a, A))
    edited = first.model_copy(update={"reason": "changed my mind"})
    with pytest.raises(ConflictError, match="already recorded"):
        two_patients.acknowledge_alert(clinician_a, edited)
    assert two_patients.list_acknowledgements(clinician_a) == [first]
    assert len(two_patients.audit_trail(clinician_a, A)) == entries


def test_only_staff_of_the_patients_site_record_decisions(
    two_patients: Registry, clinician_a: Actor, clinician_b: Actor
) -> None:
    with pytest.raises(NotFoundError, match=f"patient {A} not found"):
        two_patients.acknowledge_alert(clinician_b, acknowledgement(by="dr-beta"))
    with pytest.raises(NotFoundError, match="patient p-nobody not found"):
        two_patients.acknowledge_alert(clinician_a, acknowledgement("p-nobody"))
    refused = [
        Actor("res-1", Role.RESEARCHER, "SITE-A"),
        Actor("pat-1", Role.PATIENT, "SITE-A", patient_id=A),
        Actor("registry-admin", Role.ADMIN),
        Actor("nightly", Role.SYSTEM),
        Actor("nightly", Role.SYSTEM, "SITE-A"),
    ]
    for actor in refused:
        with pytest.raises(ScopeError):
            two_patients.acknowledge_alert(actor, acknowledgement(by=actor.user))
    with pytest.raises(StoreError, match="in the name of dr-gamma"):
        two_patients.acknowledge_alert(clinician_a, acknowledgement(by="dr-gamma"))
    coordinator = Actor("coord-a", Role.COORDINATOR, "SITE-A")
    admin_at_a = Actor("admin-a", Role.ADMIN, "SITE-A")
    two_patients.acknowledge_alert(coordinator, acknowledgement(by="coord-a"))
    two_patients.acknowledge_alert(admin_at_a, snooze(by="admin-a"))
    assert [item.acknowledged_by for item in two_patients.list_acknowledgements(coordinator)] == [
        "coord-a",
        "admin-a",
    ]
    # Refused writes wrote nothing, not even an audit entry.
    kinds = [e.entity_kind for e in two_patients.audit_trail(clinician_a, A)]
    assert kinds.count(ACKNOWLEDGEMENT_ENTITY) == 2


def test_reading_decisions_is_scoped(
    two_patients: Registry, clinician_a: Actor, clinician_b: Actor, admin: Actor
) -> None:
    mine = two_patients.acknowledge_alert(clinician_a, acknowledgement(A)).record
    theirs = two_patients.acknowledge_alert(clinician_b, acknowledgement(B, by="dr-beta")).record
    assert two_patients.list_acknowledgements(clinician_a) == [mine]
    assert two_patients.list_acknowledgements(clinician_b) == [theirs]
    assert two_patients.list_acknowledgements(admin) == [mine, theirs]
    assert two_patients.list_acknowledgements(Actor("nightly", Role.SYSTEM)) == [mine, theirs]
    assert two_patients.list_acknowledgements(admin, patient_ids=[B]) == [theirs]
    assert two_patients.list_acknowledgements(clinician_a, patient_ids=[B]) == []
    assert two_patients.list_acknowledgements(clinician_a, patient_ids=[]) == []
    for actor in (
        Actor("res-1", Role.RESEARCHER, "SITE-A"),
        Actor("pat-1", Role.PATIENT, "SITE-A", patient_id=A),
    ):
        with pytest.raises(ScopeError):
            two_patients.list_acknowledgements(actor)


def test_replacing_a_record_keeps_every_decision(
    two_patients: Registry, clinician_a: Actor, clinician_b: Actor, admin: Actor
) -> None:
    mine = two_patients.acknowledge_alert(clinician_a, acknowledgement(A)).record
    theirs = two_patients.acknowledge_alert(clinician_b, acknowledgement(B, by="dr-beta")).record
    outcome = two_patients.save_patient_record(
        clinician_a, full_record(A, "SITE-A"), reason="corrected import", on_existing="replace"
    )
    assert outcome.status.value == "replaced"
    assert two_patients.load_patient_record(clinician_a, A) == full_record(A, "SITE-A")
    assert two_patients.list_acknowledgements(admin) == [mine, theirs]


def test_deleting_a_patient_erases_their_decisions_and_says_so_in_the_audit(
    two_patients: Registry, clinician_a: Actor, admin: Actor, engine: Engine
) -> None:
    two_patients.acknowledge_alert(clinician_a, acknowledgement(A))
    theirs = two_patients.list_acknowledgements(admin, patient_ids=[B])
    patient = two_patients.get(clinician_a, RecordKind.PATIENT, A)
    two_patients.delete(clinician_a, RecordKind.PATIENT, A, patient.version, "erasure request")
    assert two_patients.list_acknowledgements(admin, patient_ids=[A]) == []
    assert two_patients.list_acknowledgements(admin, patient_ids=[B]) == theirs
    with engine.connect() as connection:
        deletion = list(iter_audit_entries(connection))[-1]
    assert (deletion.action, deletion.entity_id) == ("delete", A)
    assert deletion.before is not None
    assert json.loads(deletion.before)["alert_acknowledgements"] == 1
    assert verify_audit_chain(engine).ok


# Migration 0002 on a database that already holds data


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of its own (not the shared, already migrated test database)."""
    if request.param == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path / 'upgrade.sqlite3'}")
        yield engine
        engine.dispose()
        return
    # The session's test database is on the configured server; create a sibling from it.
    server_url: str = request.getfixturevalue("postgres_url")
    admin = create_engine_for(server_url, isolation_level="AUTOCOMMIT")
    name = f"spsreg_ack_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine_for(
        make_url(server_url).set(database=name).render_as_string(hide_password=False)
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _schema_revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(
            connection.execute(
                select(SCHEMA_INFO.c.value).where(SCHEMA_INFO.c.key == "schema_revision")
            ).scalar_one()
        )


def _stored_record(engine: Engine) -> PatientRecord:
    """Patient A with identifiers, read directly (the registry's reads would write the access
    log, a table of a later schema than the one under test)."""
    with read_transaction(engine) as connection:
        row = connection.execute(select(PATIENTS).where(PATIENTS.c.id == A)).mappings().one()
        return load_records(connection, [row], with_identifiers={A})[0]


def test_upgrade_from_0001_keeps_the_data_and_downgrade_removes_only_the_decisions(
    fresh_engine: Engine, admin: Actor, clinician_a: Actor
) -> None:
    migrate(fresh_engine, "0001")
    registry = Registry(fresh_engine)
    registry.add_site(admin, Site(id="SITE-A", name="Site A Neurology", country="GB"))
    registry.save_patient_record(clinician_a, full_record(A, "SITE-A"), reason="import")
    assert "alert_acknowledgements" not in inspect(fresh_engine).get_table_names()

    migrate(fresh_engine, "0002")
    assert _schema_revision(fresh_engine) == "0002"
    assert _stored_record(fresh_engine) == full_record(A, "SITE-A")
    item = registry.acknowledge_alert(clinician_a, acknowledgement()).record
    assert registry.list_acknowledgements(clinician_a) == [item]

    config = alembic_config()
    with fresh_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert "alert_acknowledgements" not in inspect(fresh_engine).get_table_names()
    assert _schema_revision(fresh_engine) == "0001"
    assert _stored_record(fresh_engine) == full_record(A, "SITE-A")
    assert verify_audit_chain(fresh_engine).ok  # the decision's audit entry outlives the table

    migrate(fresh_engine)
    assert registry.list_acknowledgements(clinician_a) == []
