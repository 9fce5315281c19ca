"""The analytics service's frames come from the store exactly as the record path builds them.

On SQLite and PostgreSQL: the frames loaded column by column from the store equal
``frames_from_records`` of the same records (every frame, every dtype, every row, on several
analysis dates and in small batches), within the actor's scope (site staff and researchers see
their own site; nothing identifying is ever read), with nothing dated after the analysis date; and
the analyses run on them give the record path's answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from record_examples import full_record, minimal_record
from sqlalchemy import Engine, delete

from spsreg.analysis.cohort import CohortFilter
from spsreg.analysis.frames import FRAME_NAMES, CohortFrames, frames_from_records
from spsreg.analysis.rates import response_rates
from spsreg.analysis.response import cohort_responses, patient_response
from spsreg.analysis.survival import time_to_discontinuation
from spsreg.domain import Assessment, PatientRecord, Visit
from spsreg.services.analytics import cohort_analysis, load_cohort, load_frames, patient_analysis
from spsreg.store import Actor, NotFoundError, Registry, Role, ScopeError
from spsreg.store.analysis_rows import PATIENT_COLUMNS
from spsreg.store.tables import SCHEMA_INFO, metadata
from spsreg.synth import CohortConfig, generate_sites, iter_synthetic_patients

COHORT = CohortConfig(patients=24, sites=2, years=3, seed=4242)
SYNTHETIC: list[PatientRecord] = [p.record for p in iter_synthetic_patients(COHORT)]
END = COHORT.end_date
DATES = [END, END - timedelta(days=400), END - timedelta(days=800), date(2020, 6, 1)]
ADMIN = Actor("registry-admin", Role.ADMIN)


def _with_unscorable_assessment(record: PatientRecord) -> PatientRecord:
    """``full_record`` plus a visit whose stiffness index misses an item (no total: no row)."""
    visit = Visit(
        id=f"{record.patient.id}-visit-incomplete",
        visit_date=date(2020, 3, 2),
        assessments=(
            Assessment(
                id=f"{record.patient.id}-assessment-si-incomplete",
                scale_id="stiffness_index",
                scale_version="1",
                responses={"lower_trunk": 1, "upper_trunk": None},
            ),
        ),
    )
    return record.model_copy(update={"visits": (*record.visits, visit)})


HAND_MADE = [
    _with_unscorable_assessment(full_record("hand-a1", "SITE-A")),
    full_record("hand-b1", "SITE-B"),
    minimal_record("hand-a2", "SITE-A"),
]
RECORDS = [*SYNTHETIC, *HAND_MADE]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def cohort(request: pytest.FixtureRequest) -> Iterator[Registry]:
    """The records stored once per backend for the whole module (the tests only read)."""
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table is not SCHEMA_INFO:
                connection.execute(delete(table))
    registry = Registry(engine)
    for site in generate_sites(COHORT):
        registry.add_site(ADMIN, site)
    for record in RECORDS:
        registry.save_patient_record(ADMIN, record, reason="analytics test")
    yield registry


def assert_frames_equal(got: CohortFrames, expected: CohortFrames) -> None:
    assert got.as_of == expected.as_of
    for name in FRAME_NAMES:
        assert_frame_equal(getattr(got, name), getattr(expected, name), obj=name)


def test_store_frames_equal_the_record_frames_on_every_date(cohort: Registry) -> None:
    seen_rows = dict.fromkeys(FRAME_NAMES, 0)
    for as_of in DATES:
        expected = frames_from_records(RECORDS, as_of=as_of)
        got = load_frames(cohort, ADMIN, as_of=as_of, batch_size=7)
        assert_frames_equal(got, expected)
        for name in FRAME_NAMES:
            seen_rows[name] += len(getattr(got, name))
    # The comparison covered every frame with rows in it (not only empty ones).
    assert all(count > 0 for count in seen_rows.values()), seen_rows


def test_frames_keep_nothing_after_the_analysis_date(cohort: Registry) -> None:
    as_of = END - timedelta(days=400)
    frames = load_frames(cohort, ADMIN, as_of=as_of)
    limit = pd.Timestamp(as_of)
    dated = {
        "patients": ["onset_date", "diagnosis_date", "first_contact_date", "date_of_death",
                     "follow_up_end"],
        "outcomes": ["date"],
        "courses": ["start_date", "stop_date"],
        "therapy_events": ["date"],
        "adverse_events": ["onset_date", "resolved_date"],
        "comorbidities": ["diagnosed_on", "resolved_on"],
    }  # fmt: skip
    for name, columns in dated.items():
        frame = getattr(frames, name)
        for column in columns:
            assert not (frame[column] > limit).any(), (name, column)
    later = load_frames(cohort, ADMIN, as_of=END)
    assert len(later.outcomes) > len(frames.outcomes)  # later facts exist and were left out


def test_the_incomplete_assessment_gives_no_outcome_row(cohort: Registry) -> None:
    frames = load_frames(cohort, ADMIN, as_of=END, patient_ids=["hand-a1"])
    stiffness = frames.outcomes.loc[frames.outcomes["outcome"] == "stiffness_index"]
    # The baseline stiffness index lacks "abdomen" too: neither assessment is scorable.
    assert stiffness.empty
    walks = frames.outcomes.loc[frames.outcomes["outcome"] == "t25fw", "value"]
    assert walks.tolist() == [pytest.approx((12.4 + 11.9) / 2)]


def test_site_staff_see_their_own_site_only(cohort: Registry) -> None:
    clinician = Actor("dr-alpha", Role.CLINICIAN, "SITE-A")
    loaded = load_cohort(cohort, clinician, as_of=END)
    site_a = [r for r in RECORDS if r.patient.site_id == "SITE-A"]
    assert_frames_equal(loaded.frames, frames_from_records(site_a, as_of=END))
    assert set(loaded.frames.patients["site_id"]) == {"SITE-A"}
    assert loaded.pseudonyms == {r.patient.id: r.patient.pseudonym for r in site_a}
    with pytest.raises(NotFoundError, match="hand-b1"):
        load_cohort(cohort, clinician, as_of=END, patient_ids=["hand-b1"])
    with pytest.raises(ScopeError):
        load_cohort(cohort, clinician, as_of=END, site="SITE-B")


def test_researchers_get_de_identified_frames_of_their_site(cohort: Registry) -> None:
    researcher = Actor("res-a", Role.RESEARCHER, "SITE-A")
    loaded = load_cohort(cohort, researcher, as_of=END)
    site_a = [r for r in RECORDS if r.patient.site_id == "SITE-A"]
    assert_frames_equal(loaded.frames, frames_from_records(site_a, as_of=END))
    identifiers = {
        value
        for record in site_a
        if record.identifiers is not None
        for value in (
            record.identifiers.given_name,
            record.identifiers.family_name,
            record.identifiers.hospital_number,
            record.identifiers.address,
            record.identifiers.phone,
            record.identifiers.email,
        )
        if value is not None
    }
    births = {r.identifiers.date_of_birth for r in site_a if r.identifiers is not None}
    assert identifiers and births
    for name in FRAME_NAMES:
        frame: pd.DataFrame = getattr(loaded.frames, name)
        for column in frame.columns:
            values = frame[column]
            if values.dtype == object:
                flat = {v for cell in values for v in (cell if isinstance(cell, tuple) else [cell])}
                assert not flat & identifiers, (name, column)
            if str(values.dtype).startswith("datetime64"):
                assert not set(values.dropna().dt.date) & births, (name, column)
    # The patients frame has the birth year only, and no pseudonym or identifier column.
    assert "birth_year_month" not in PATIENT_COLUMNS and "birth_year" in PATIENT_COLUMNS
    assert list(loaded.frames.patients.columns).count("birth_year") == 1
    assert not {"pseudonym", "given_name", "hospital_number"} & set(loaded.frames.patients)


def test_a_patient_actor_sees_only_their_own_record(cohort: Registry) -> None:
    patient = Actor("self", Role.PATIENT, "SITE-A", patient_id="hand-a1")
    frames = load_frames(cohort, patient, as_of=END)
    assert frames.patients["patient_id"].tolist() == ["hand-a1"]


def test_patient_analysis_gives_the_record_path_responses(cohort: Registry) -> None:
    patient_id = max(SYNTHETIC, key=lambda r: (len(r.medication_courses), r.patient.id)).patient.id
    expected = patient_response(frames_from_records(RECORDS, as_of=END), patient_id)
    got = patient_analysis(cohort, ADMIN, patient_id, as_of=END, with_alerts=True)
    assert list(got.responses) == expected and expected
    assert got.pseudonym == next(r.patient.pseudonym for r in RECORDS if r.patient.id == patient_id)
    assert set(got.frames.patients["patient_id"]) == {patient_id}
    assert all(alert.patient_id == patient_id for alert in got.alerts)
    researcher = Actor("res-a", Role.RESEARCHER, "SITE-A")
    site_a_id = next(r.patient.id for r in SYNTHETIC if r.patient.site_id == "SITE-A")
    quiet = patient_analysis(cohort, researcher, site_a_id, as_of=END, with_alerts=True)
    assert quiet.alerts == ()  # researchers have no monitoring worklist
    with pytest.raises(NotFoundError):
        patient_analysis(cohort, researcher, "hand-b1", as_of=END)


def test_cohort_analysis_gives_the_record_path_evidence(cohort: Registry) -> None:
    chosen = CohortFilter(sites=("SITE-A",), gad65_status=("high_titre", "positive"))
    result = cohort_analysis(
        cohort, ADMIN, as_of=END, cohort_filter=chosen, therapies=["diazepam"], fit_model=False
    )
    expected_frames = chosen.model_copy(update={"therapies": ("diazepam",)}).apply(
        frames_from_records(RECORDS, as_of=END)
    )
    assert_frames_equal(result.frames, expected_frames)
    assert len(result.frames.patients) > 0
    responses = cohort_responses(expected_frames)
    responses = responses.loc[responses["therapy"] == "diazepam"].reset_index(drop=True)
    assert_frame_equal(result.responses, responses)
    assert_frame_equal(result.rates, response_rates(responses, "stiffness_index"))
    assert [s.therapy for s in result.survival] == ["diazepam"]
    expected_survival = time_to_discontinuation(expected_frames, "diazepam")
    assert result.survival[0].to_document() == expected_survival.to_document()
    assert result.model is None
    assert result.therapies == ("diazepam",)
    assert set(result.starts["therapy"]) == {"diazepam"}
    assert set(result.pseudonyms) == set(result.frames.patients["patient_id"])
    assert set(result.timings) == {"load", "responses", "survival", "model", "other"}


def test_cohort_analysis_of_every_therapy_fits_the_model(cohort: Registry) -> None:
    result = cohort_analysis(cohort, ADMIN, as_of=END)
    assert result.cohort_filter.selects_everyone
    assert result.patients == len(RECORDS)
    assert result.model is not None and result.model.n_patients > 0
    started = set(result.starts.loc[result.starts["event"] == "start", "therapy"])
    assert set(result.therapies) == started
    course_therapies = set(result.frames.courses["therapy"])
    assert {s.therapy for s in result.survival} == started & course_therapies
    assert result.summary.n == len(RECORDS)
    assert int(result.sequences["patients"].sum()) == len(RECORDS)
    with pytest.raises(ValueError, match="unknown outcome"):
        cohort_analysis(cohort, ADMIN, as_of=END, outcome="walking_speed")


def test_iter_analysis_rows_batches_and_limits_what_is_read(cohort: Registry) -> None:
    wanted = ["hand-a1", "hand-b1", "no-such-patient"]
    batches = list(
        cohort.iter_analysis_rows(
            ADMIN,
            as_of=date(2019, 12, 31),
            scale_ids=("t25fw",),
            lab_analytes=("gad65_antibody",),
            patient_ids=wanted,
            batch_size=1,
        )
    )
    assert [[row[0] for row in b.patients] for b in batches] == [["hand-a1"], ["hand-b1"]]
    for batch in batches:
        assert {row[3] for row in batch.assessments} <= {"t25fw"}
        assert {row[2] for row in batch.labs} == {"gad65_antibody"}
        assert all(row[1] <= date(2019, 12, 31) for row in batch.diary)
        assert all(row[4] <= date(2019, 12, 31) for row in batch.adverse_events)
        # Every course is read (chains and infusions resolve); the service drops later ones.
        assert {row[1] for row in batch.courses} == {
            c.id for r in HAND_MADE if r.patient.id == batch.patients[0][0]
            for c in r.medication_courses
        }  # fmt: skip
        assert batch.patients[0][4] == 1971  # the birth year only
    with pytest.raises(ValueError, match="batch_size"):
        next(
            cohort.iter_analysis_rows(ADMIN, as_of=END, scale_ids=(), lab_analytes=(), batch_size=0)
        )


def test_outcome_rows_are_in_contract_order_across_batches(cohort: Registry) -> None:
    frames = load_frames(cohort, ADMIN, as_of=END, batch_size=5)
    outcomes = frames.outcomes
    keys = outcomes[["patient_id", "outcome", "date", "source", "value"]]
    ordered = keys.sort_values(list(keys.columns), kind="stable")
    assert np.array_equal(ordered.index.to_numpy(), np.arange(len(keys)))
