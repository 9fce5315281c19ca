"""The access log on both databases: every store read that returns identifiers leaves one row
per patient; reads without identifiers leave none; who may read the trail."""

from __future__ import annotations

import pytest
from record_examples import full_record
from sqlalchemy import Engine, delete, select

from spsreg.store import Actor, Registry, Role
from spsreg.store.errors import NotFoundError, ScopeError
from spsreg.store.tables import ACCESS_LOG


@pytest.fixture
def stored(registry: Registry, clinician_a: Actor, clinician_b: Actor) -> Registry:
    registry.save_patient_record(clinician_a, full_record("p-0001"), reason="new")
    registry.save_patient_record(clinician_a, full_record("p-0002"), reason="new")
    registry.save_patient_record(clinician_b, full_record("p-0003", "SITE-B"), reason="new")
    return registry


def logged(engine: Engine) -> list[tuple[str, str | None, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                ACCESS_LOG.c.actor_user,
                ACCESS_LOG.c.patient_id,
                ACCESS_LOG.c.what,
                ACCESS_LOG.c.channel,
            ).order_by(ACCESS_LOG.c.id)
        ).all()
    return [tuple(row) for row in rows]


def test_loading_a_record_with_identifiers_is_logged(stored: Registry, clinician_a: Actor) -> None:
    record = stored.load_patient_record(clinician_a, "p-0001", channel="web")
    assert record.identifiers is not None
    assert logged(stored.engine) == [("dr-alpha", "p-0001", "patient_record", "web")]


def test_iterating_records_logs_the_patients_whose_identifiers_were_included(
    stored: Registry, clinician_a: Actor
) -> None:
    records = list(stored.iter_patient_records(clinician_a, batch_size=1))
    assert len(records) == 2
    assert sorted(logged(stored.engine)) == [
        ("dr-alpha", "p-0001", "patient_record", "store"),
        ("dr-alpha", "p-0002", "patient_record", "store"),
    ]


def test_reading_identifiers_alone_is_logged(stored: Registry, clinician_a: Actor) -> None:
    stored.get(clinician_a, "identifiers", "p-0002", channel="api")
    stored.get(clinician_a, "patient", "p-0001")
    assert logged(stored.engine) == [("dr-alpha", "p-0002", "identifiers", "api")]


def test_a_search_against_identifiers_logs_every_patient_returned(
    stored: Registry, clinician_a: Actor
) -> None:
    found = stored.list_patients(clinician_a, search="Lovelace")
    assert sorted(summary.patient_id for summary in found) == ["p-0001", "p-0002"]
    assert sorted(logged(stored.engine)) == sorted(
        ("dr-alpha", summary.patient_id, "patient_search", "store") for summary in found
    )
    with stored.engine.begin() as connection:
        connection.execute(delete(ACCESS_LOG))
    stored.list_patients(clinician_a)
    assert logged(stored.engine) == []


def test_reads_without_identifiers_are_not_logged(stored: Registry, admin: Actor) -> None:
    researcher = Actor("res", Role.RESEARCHER)
    admin_record = stored.load_patient_record(admin, "p-0001")
    research_record = stored.load_patient_record(researcher, "p-0003")
    assert admin_record.identifiers is None and research_record.identifiers is None
    assert len(list(stored.iter_patient_records(researcher))) == 3
    assert len(list(stored.iter_patient_records(admin))) == 3
    stored.list_patients(researcher, search="Lovelace")
    stored.list_patients(admin, search="Lovelace")
    assert logged(stored.engine) == []


def test_a_site_less_researcher_sees_every_site_but_no_identifiers(
    stored: Registry, admin: Actor
) -> None:
    stored.add_user(admin, "res.all", Role.RESEARCHER, "a long clinic passphrase")
    researcher = stored.verify_login("res.all", "a long clinic passphrase")
    assert researcher == Actor("res.all", Role.RESEARCHER)
    assert {s.site_id for s in stored.list_patients(researcher)} == {"SITE-A", "SITE-B"}
    with pytest.raises(NotFoundError):
        stored.get(researcher, "identifiers", "p-0001")
    assert stored.load_patient_record(researcher, "p-0001").identifiers is None
    assert logged(stored.engine) == []


def test_the_trail_is_for_administrators_and_the_patients_site_staff(
    stored: Registry, admin: Actor, clinician_a: Actor, clinician_b: Actor
) -> None:
    stored.load_patient_record(clinician_a, "p-0001", channel="web")
    stored.get(clinician_a, "identifiers", "p-0001", channel="api")
    trail = stored.access_trail(admin, "p-0001")
    assert [(entry.actor_user, entry.what, entry.channel) for entry in trail] == [
        ("dr-alpha", "patient_record", "web"),
        ("dr-alpha", "identifiers", "api"),
    ]
    assert trail[0].actor_site_id == "SITE-A" and trail[0].recorded_at.tzinfo is not None
    assert stored.access_trail(clinician_a, "p-0001") == trail
    with pytest.raises(NotFoundError):
        stored.access_trail(clinician_b, "p-0001")
    for refused in (
        Actor("res", Role.RESEARCHER, "SITE-A"),
        Actor("p", Role.PATIENT, "SITE-A", patient_id="p-0001"),
    ):
        with pytest.raises(ScopeError):
            stored.access_trail(refused, "p-0001")


def test_an_unknown_channel_is_refused(stored: Registry, clinician_a: Actor) -> None:
    with pytest.raises(ValueError, match="channel"):
        stored.load_patient_record(clinician_a, "p-0001", channel="fax")
