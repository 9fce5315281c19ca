"""The patient page's lean overview equals ``spsreg patients show``'s overview of the loaded record
(scores, medications, antibodies, benzodiazepine load, adverse events, diary days), on SQLite and
PostgreSQL, for synthetic patients on several days; scope and role refusals; the timeline data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from record_examples import full_record
from sqlalchemy import Engine

from spsreg.domain import PatientRecord
from spsreg.domain.overview import patient_overview
from spsreg.knowledge import load_knowledge_pack
from spsreg.services.monitoring import evaluate_patients
from spsreg.services.patient_overview import age_in_years, patient_page
from spsreg.services.patient_timeline import patient_timeline_data
from spsreg.store import Actor, NotFoundError, Registry, Role, ScopeError
from spsreg.synth import CohortConfig, generate_sites, iter_synthetic_patients

COHORT = CohortConfig(patients=8, sites=2, years=3, seed=8080)
RECORDS: list[PatientRecord] = [p.record for p in iter_synthetic_patients(COHORT)]
PACK = load_knowledge_pack()
ADMIN = Actor("registry-admin", Role.ADMIN)
DAYS = [COHORT.end_date - timedelta(days=200 * k) for k in range(4)]


@pytest.fixture
def cohort(engine: Engine) -> Iterator[Registry]:
    registry = Registry(engine)
    for site in generate_sites(COHORT):
        registry.add_site(ADMIN, site)
    for record in RECORDS:
        registry.save_patient_record(ADMIN, record, reason="overview test")
    yield registry


def staff_of(record: PatientRecord) -> Actor:
    return Actor("dr-test", Role.CLINICIAN, record.patient.site_id)


@pytest.mark.parametrize("record", RECORDS[:4], ids=lambda r: r.patient.id)
def test_lean_overview_equals_the_record_overview(cohort: Registry, record: PatientRecord) -> None:
    actor = staff_of(record)
    for day in DAYS:
        page = patient_page(cohort, actor, record.patient.id, as_of=day)
        expected = patient_overview(record, day, PACK)
        assert page.patient == record.patient
        assert page.identifiers == record.identifiers
        assert [
            (s.scale_id, s.assessed_on, s.total, s.band, s.complete, s.subscores)
            for s in page.latest_scores
        ] == [
            (s.scale_id, s.assessed_on, s.total, s.band, s.complete, s.subscores)
            for s in expected.latest_scores
        ]
        assert [
            (m.course_id, m.route, m.dose, m.daily_amount, m.daily_unit, m.start_date)
            for m in page.medications
        ] == [
            (m.course_id, m.route, m.dose, m.daily_amount, m.daily_unit, m.since)
            for m in expected.active_medications
        ]
        assert page.diazepam_equivalent_mg_per_day == expected.diazepam_equivalent_mg_per_day
        assert [(r.id, r.value, r.qualitative) for r in page.antibodies] == [
            (r.id, r.value, r.qualitative) for r in expected.latest_antibodies
        ]
        assert len(page.adverse_events) == expected.adverse_events
        assert sum(e.serious for e in page.adverse_events) == expected.serious_adverse_events
        assert page.diary.days_recorded == expected.diary_days_last_28
        alerts, *_ = evaluate_patients(cohort, actor, day, patient_ids=[record.patient.id])
        assert [entry.alert for entry in page.alerts] == alerts


def test_the_comparison_covers_scores_medications_and_diaries(cohort: Registry) -> None:
    pages = [
        patient_page(cohort, staff_of(record), record.patient.id, as_of=COHORT.end_date)
        for record in RECORDS[:4]
    ]
    assert any(page.latest_scores for page in pages)
    assert any(page.medications for page in pages)
    assert any(page.adverse_events for page in pages)
    assert any(page.diary.days_recorded for page in pages)
    assert any(page.alerts for page in pages)


def test_identifiers_for_own_site_staff_only(registry: Registry, admin: Actor) -> None:
    record = full_record("p-A1", "SITE-A")
    registry.save_patient_record(admin, record, reason="example")
    staff = Actor("dr-alpha", Role.CLINICIAN, "SITE-A")
    assert patient_page(registry, staff, "p-A1", as_of=date(2026, 1, 1)).identifiers is not None
    assert patient_page(registry, admin, "p-A1", as_of=date(2026, 1, 1)).identifiers is None
    with pytest.raises(NotFoundError):
        patient_page(
            registry, Actor("dr-beta", Role.CLINICIAN, "SITE-B"), "p-A1", as_of=date.today()
        )
    for role in (Role.RESEARCHER, Role.PATIENT):
        refused = Actor("someone", role, "SITE-A", "p-A1" if role is Role.PATIENT else None)
        with pytest.raises(ScopeError):
            patient_page(registry, refused, "p-A1", as_of=date(2026, 1, 1))
        with pytest.raises(ScopeError):
            patient_timeline_data(registry, refused, "p-A1", as_of=date(2026, 1, 1))


def test_timeline_data_reads_the_diary_window_only(cohort: Registry) -> None:
    record = max(RECORDS, key=lambda r: len(r.diary_entries))
    first, last = COHORT.end_date - timedelta(days=59), COHORT.end_date - timedelta(days=30)
    data = patient_timeline_data(
        cohort,
        staff_of(record),
        record.patient.id,
        as_of=COHORT.end_date,
        diary_from=first,
        diary_to=last,
    )
    expected = sorted(e.entry_date for e in record.diary_entries if first <= e.entry_date <= last)
    assert [d.entry_date for d in data.diary] == expected and expected
    assert {c.id for c in data.courses} == {c.id for c in record.medication_courses}
    assert sum(len(points) for points in data.scores.values()) == sum(
        len(v.assessments) for v in record.visits
    )
    with pytest.raises(ValueError, match="starts after it ends"):
        patient_timeline_data(
            cohort,
            staff_of(record),
            record.patient.id,
            as_of=last,
            diary_from=last,
            diary_to=first,
        )


def test_age_in_years() -> None:
    assert age_in_years("1971-04", date(2026, 3, 31)) == 54
    assert age_in_years("1971-04", date(2026, 4, 1)) == 55
