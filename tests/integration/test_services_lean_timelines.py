"""The lean loader (store rows -> services timeline) gives exactly the alerts of the record path
(``timeline_from_record`` over whole loaded records), on SQLite and PostgreSQL, for a synthetic
cohort evaluated on many dates, with the shipped settings and with a site's own."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from spsreg.domain import PatientRecord
from spsreg.monitoring import (
    KINDS,
    PatientTimeline,
    SiteMonitoringConfig,
    evaluate_many,
    load_rule_book,
    timeline_from_record,
)
from spsreg.services.monitoring import evaluate_patients
from spsreg.services.timelines import (
    ASSESSMENT_READERS,
    DIARY_LOOKBACK_WINDOWS,
    LAB_READERS,
    TimelineBuilder,
    assessment_reads,
    diary_window,
    lab_analytes,
)
from spsreg.store import Actor, Registry, Role, ScopeError
from spsreg.store.timeline_rows import AssessmentRead
from spsreg.synth import CohortConfig, generate_sites, iter_synthetic_patients

COHORT = CohortConfig(patients=60, sites=2, years=3, seed=4242)
RECORDS: list[PatientRecord] = [p.record for p in iter_synthetic_patients(COHORT)]
BOOK = load_rule_book()
RECORD_TIMELINES = [timeline_from_record(record) for record in RECORDS]
DATES = [COHORT.end_date - timedelta(days=45 * k) for k in range(24)]
ADMIN = Actor("registry-admin", Role.ADMIN)


@pytest.fixture
def cohort(engine: Engine) -> Iterator[Registry]:
    registry = Registry(engine)
    for site in generate_sites(COHORT):
        registry.add_site(ADMIN, site)
    for record in RECORDS:
        registry.save_patient_record(ADMIN, record, reason="lean loader test")
    yield registry


def test_lean_timelines_raise_exactly_the_record_alerts_on_every_date(cohort: Registry) -> None:
    fired: set[str] = set()
    for as_of in DATES:
        lean, patients, _, _ = evaluate_patients(cohort, ADMIN, as_of, rules=BOOK)
        expected = evaluate_many(RECORD_TIMELINES, as_of, BOOK)
        assert lean == expected, as_of
        assert patients == len(RECORDS)
        fired |= {alert.rule_id for alert in lean}
    # The comparison means something only if the data-hungry rules fired, the diary ones too.
    assert {
        "diary_sedation_on_sedating_drugs",
        "rising_falls_in_diary",
        "rising_falls_at_visits",
        "benzodiazepine_with_opioid",
        "benzodiazepine_load_escalation",
        "ivig_course_due",
    } <= fired


def test_a_sites_wider_diary_windows_and_disabled_rules_are_loaded_for(cohort: Registry) -> None:
    config = SiteMonitoringConfig(
        settings={
            "rising_falls_in_diary": {"window_days": 90},
            "diary_sedation_on_sedating_drugs": {"window_days": 120, "min_days": 2},
        },
        disabled_rules=frozenset({"benzodiazepine_load_escalation"}),
    )
    first, last = diary_window(BOOK, config, date(2026, 1, 1)) or (None, None)
    assert (first, last) == (date(2026, 1, 1) - timedelta(days=179), date(2026, 1, 1))
    for as_of in DATES[::3]:
        lean, *_ = evaluate_patients(cohort, ADMIN, as_of, config=config, rules=BOOK)
        assert lean == evaluate_many(RECORD_TIMELINES, as_of, BOOK, config), as_of


def test_lean_timelines_equal_the_record_timelines_within_what_the_rules_read(
    cohort: Registry,
) -> None:
    """Equal field by field, except where the lean loader reads less: the diary within the
    window, the labs the rules name, the latest assessments each rule reads, the first visit."""
    as_of = DATES[4]
    first, last = diary_window(BOOK, None, as_of) or (date.min, date.max)
    reads = assessment_reads(BOOK, None)
    falls = AssessmentRead("falls_spasm_frequency", 2, "falls_past_4_weeks")
    assert falls in reads and {r.scale_id for r in reads} == {
        "falls_spasm_frequency",
        "heightened_sensitivity",
        "stiffness_index",
    }
    analytes = lab_analytes(BOOK, None)
    assert {"anti_hbc", "hbsag", "alt", "ast", "creatinine", "glucose"} <= analytes
    assert not analytes & {"gad65_antibody", "hba1c"}
    builder = TimelineBuilder(BOOK.pack, {r.scale_id for r in reads if r.item_id})
    lean = {
        rows.patient_id: builder.build(rows)
        for batch in cohort.iter_timeline_rows(
            ADMIN,
            diary_from=first,
            diary_to=last,
            lab_analytes=analytes,
            assessment_reads=reads,
            assessments_to=as_of,
            batch_size=7,
        )
        for rows in batch
    }
    assert len(lean) == len(RECORDS)
    partial = {"diary", "assessments", "labs", "lab_dates"}
    for expected in RECORD_TIMELINES:
        loaded = lean[expected.patient_id]
        for field in dataclasses.fields(PatientTimeline):
            if field.name not in partial:
                assert getattr(loaded, field.name) == getattr(expected, field.name), field.name
        assert dict(loaded.labs) == {a: r for a, r in expected.labs.items() if a in analytes}
        for scale_id in {read.scale_id for read in reads}:
            full = [a for a in expected.assessments.get(scale_id, ()) if a.visit_date <= as_of]
            keep: set[int] = set()
            for read in (r for r in reads if r.scale_id == scale_id):
                holding = [
                    i
                    for i, a in enumerate(full)
                    if read.item_id is None or read.item_id in a.responses
                ]
                keep.update(holding[-read.latest :])
            wanted = [full[i] for i in sorted(keep)]
            got = list(loaded.assessments.get(scale_id, ()))
            assert [a.visit_date for a in got] == [a.visit_date for a in wanted], scale_id
            if scale_id == falls.scale_id:
                assert got == wanted
        window = expected.diary.window(first, last)
        assert loaded.diary.days == expected.diary.days[window.start : window.stop]
        assert loaded.diary.sedation == expected.diary.sedation[window.start : window.stop]
        assert loaded.diary.falls == expected.diary.falls[window.start : window.stop]


def test_site_staff_evaluate_only_their_own_sites_patients(cohort: Registry) -> None:
    staff = Actor("dr-alpha", Role.CLINICIAN, "SITE-A")
    as_of = DATES[0]
    lean, patients, _, _ = evaluate_patients(cohort, staff, as_of, rules=BOOK)
    own = [t for t in RECORD_TIMELINES if t.site_id == "SITE-A"]
    assert 0 < patients == len(own) < len(RECORDS)
    assert lean == evaluate_many(own, as_of, BOOK)
    with pytest.raises(ScopeError):
        evaluate_patients(cohort, staff, as_of, site="SITE-B", rules=BOOK)


def test_every_rule_kind_that_reads_assessments_names_its_scale_and_item() -> None:
    """A new kind reading assessments must be declared, or the lean loader would not load them."""
    reading = {name for name, kind in KINDS.items() if ".assessments" in inspect.getsource(kind)}
    assert reading == set(ASSESSMENT_READERS)
    responses = {name for name, kind in KINDS.items() if ".responses" in inspect.getsource(kind)}
    assert responses == {kind for kind, r in ASSESSMENT_READERS.items() if r.reads_item}


def test_every_rule_kind_that_reads_labs_is_declared() -> None:
    """A new kind reading labs must be declared, or the lean loader would not load its analytes."""
    reading = {
        name
        for name, kind in KINDS.items()
        if any(word in inspect.getsource(kind) for word in (".labs", "lab_dates", "_lab_"))
    }
    assert reading == set(LAB_READERS)


def test_every_rule_kind_that_reads_the_diary_declares_its_lookback() -> None:
    """A new kind reading the diary must say how far back it looks, or the lean loader would
    silently give it a too-short diary."""
    reading = {name for name, kind in KINDS.items() if ".diary" in inspect.getsource(kind)}
    assert reading == set(DIARY_LOOKBACK_WINDOWS)
    diary_rules = {r.id for r in BOOK.rules.rules if r.kind in DIARY_LOOKBACK_WINDOWS}
    with_window = {r.id for r in BOOK.rules.rules if "window_days" in r.settings}
    assert diary_rules - with_window == {"rising_falls_at_visits"}  # compares visits, not diary
