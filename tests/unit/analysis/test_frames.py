"""Tidy frames from patient records: types, derivations, row order and the analysis date."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from response_records import (
    DAY0,
    administration,
    adverse_event,
    at,
    comorbidity,
    course,
    diary,
    ivig_course,
    lab,
    procedure,
    record,
    si_visit,
    stiffness_responses,
    visit,
)

from spsreg.analysis.frames import (
    FRAME_NAMES,
    FRAME_SCHEMAS,
    FRAME_SORT_KEYS,
    CohortFrames,
    empty_frames,
    frames_from_records,
    typed_frame,
)
from spsreg.domain import (
    AssayMethod,
    ComorbidityKind,
    PatientRecord,
    QualitativeResult,
    Specimen,
    StopReason,
    VitalStatus,
)
from spsreg.synth import CohortConfig, iter_synthetic_patients

AS_OF = at(100)


def assert_schema(frames: CohortFrames) -> None:
    for name in FRAME_NAMES:
        frame = getattr(frames, name)
        assert list(frame.columns) == list(FRAME_SCHEMAS[name]), name
        assert {c: str(t) for c, t in frame.dtypes.items()} == dict(FRAME_SCHEMAS[name]), name
        resorted = frame.sort_values(list(FRAME_SORT_KEYS[name]), kind="stable")
        pd.testing.assert_frame_equal(frame, resorted.reset_index(drop=True), obj=name)


def rich_record(pid: str = "p-1") -> PatientRecord:
    return record(
        pid,
        first_contact=-200,
        visits=[
            visit(
                pid,
                -10,
                stiffness_index=stiffness_responses(4),
                t25fw={"trial_1_seconds": 8.0, "trial_2_seconds": 9.0},
                mrs={"grade": 3},
            ),
            visit(pid, 20, stiffness_index={**stiffness_responses(2), "face": None}),
            si_visit(pid, 150, 1),  # after the analysis date
        ],
        diary_entries=[diary(pid, 5, stiffness=6, spasms=3), diary(pid, 4, stiffness=7)],
        medication_courses=[
            course(pid, "dz1", "diazepam", -100, stop=0, mg=5.0),
            course(pid, "dz2", "diazepam", 0, stop=120, mg=10.0, previous="dz1"),
            course(pid, "dz3", "diazepam", 120, mg=5.0, previous="dz2"),
            course(pid, "bac", "baclofen", 10, mg=10.0),
            course(pid, "odd", "not_a_pack_drug", 30, mg=1.0, times=1),
            ivig_course(pid, "ivig", 30),
        ],
        administrations=[administration(pid, "ivig", 30), administration(pid, "ivig", 31)],
        procedures=[procedure(pid, "pe1", 40, 50), procedure(pid, "pe2", 90, 101)],
        adverse_events=[
            adverse_event(
                pid, "ae1", 12, resolved_date=at(130), suspected_course_ids=(f"{pid}-dz2",)
            ),
            adverse_event(pid, "ae2", 140),
        ],
        comorbidities=[
            comorbidity(ComorbidityKind.TYPE_1_DIABETES, pid, -300),
            comorbidity(ComorbidityKind.EPILEPSY, pid, 120),
            comorbidity(ComorbidityKind.ANXIETY, pid, None),
        ],
        lab_results=[
            lab(pid, "gad1", -50, value=25.0, unit="nmol/L"),
            lab(pid, "gad2", 60, value=0.01, unit="nmol/L"),
            lab(pid, "gad3", 120, value=30.0, unit="nmol/L"),  # after the analysis date
            lab(pid, "gadcsf", 70, value=5.0, unit="nmol/L", specimen=Specimen.CSF),
            lab(
                pid,
                "glyr",
                -50,
                "glyr_antibody",
                method=AssayMethod.CELL_BASED_ASSAY,
                titre=160,
            ),
        ],
    )


@pytest.fixture(scope="module")
def rich() -> CohortFrames:
    return frames_from_records([rich_record()], as_of=AS_OF)


def test_every_frame_has_the_contract_columns_dtypes_and_order(rich: CohortFrames) -> None:
    assert rich.as_of == AS_OF
    assert_schema(rich)
    assert_schema(empty_frames(AS_OF))


def test_patient_row_follow_up_and_antibody_status(rich: CohortFrames) -> None:
    row = rich.patients.iloc[0]
    assert row["patient_id"] == "p-1" and row["sex"] == "female" and row["birth_year"] == 1970.0
    assert row["first_contact_date"] == pd.Timestamp(at(-200))
    # latest fact on or before the analysis date: the end of the second plasmapheresis series
    # (day 101) is after it, so its start on day 90 is the latest one.
    assert row["follow_up_end"] == pd.Timestamp(at(90))
    assert row["gad65_status"] == "negative"  # day 60 result; the CSF and day-120 ones are not used
    assert row["glyr_status"] == "positive"  # any reported titre is positive
    assert row["vital_status"] == "alive" and pd.isna(row["date_of_death"])


def test_outcomes_are_scored_by_the_domain_and_cut_at_the_analysis_date(
    rich: CohortFrames,
) -> None:
    rows = [(r.outcome, r.date.date(), r.value, r.source) for r in rich.outcomes.itertuples()]
    assert rows == [
        ("diary_spasms", at(5), 3.0, "diary"),
        ("diary_stiffness", at(4), 7.0, "diary"),
        ("diary_stiffness", at(5), 6.0, "diary"),
        ("mrs", at(-10), 3.0, "visit"),
        ("stiffness_index", at(-10), 4.0, "visit"),  # the day-20 index misses an item: no row
        ("t25fw", at(-10), 8.5, "visit"),  # seconds: the mean of the two trials
    ]


def test_courses_have_therapy_daily_amount_and_dose_change_chain(rich: CohortFrames) -> None:
    courses = rich.courses.set_index("course_id")
    assert list(courses.index) == ["p-1-dz1", "p-1-dz2", "p-1-bac", "p-1-ivig", "p-1-odd"]
    assert courses.loc["p-1-dz2", "therapy"] == "diazepam"
    assert courses.loc["p-1-dz2", "daily_amount"] == 30.0
    assert courses.loc["p-1-dz2", "amount_unit"] == "mg"
    assert courses.loc["p-1-dz2", "chain_id"] == "p-1-dz1"
    assert courses.loc["p-1-dz2", "drug_class"] == "benzodiazepine"
    # stopped after the analysis date: not yet stopped as of it
    assert pd.isna(courses.loc["p-1-dz2", "stop_date"])
    assert courses.loc["p-1-dz2", "stop_reason"] is None
    assert courses.loc["p-1-dz1", "stop_reason"] == StopReason.DOSE_CHANGED.value
    assert courses.loc["p-1-bac", "therapy"] == "baclofen_oral"
    assert courses.loc["p-1-ivig", "daily_amount"] == pytest.approx(2.0 * 70 * 1000 / 28)
    assert courses.loc["p-1-odd", "therapy"] == "not_a_pack_drug"
    assert courses.loc["p-1-odd", "drug_class"] is None


def test_therapy_events_adverse_events_and_comorbidities(rich: CohortFrames) -> None:
    events = [
        (e.therapy, e.date.date(), e.kind, e.ref_id) for e in rich.therapy_events.itertuples()
    ]
    assert events == [
        ("ivig", at(30), "administration", "p-1-ivig"),
        ("ivig", at(31), "administration", "p-1-ivig"),
        ("plasmapheresis", at(40), "procedure_start", "p-1-pe1"),
        ("plasmapheresis", at(50), "procedure_end", "p-1-pe1"),
        ("plasmapheresis", at(90), "procedure_start", "p-1-pe2"),
    ]
    adverse = rich.adverse_events
    assert list(adverse["event_id"]) == ["p-1-ae1"]
    assert pd.isna(adverse["resolved_date"].iloc[0])  # resolved after the analysis date
    assert adverse["suspected_course_ids"].iloc[0] == ("p-1-dz2",)
    assert adverse["grade"].iloc[0] == 2.0 and not adverse["serious"].iloc[0]
    assert list(rich.comorbidities["kind"]) == ["anxiety", "type_1_diabetes"]


@pytest.mark.parametrize(
    ("method", "value", "unit", "qualitative", "expected"),
    [
        (AssayMethod.RIA, 25.0, "nmol/L", None, "high_titre"),  # > 20 nmol/L (Hopkins)
        (AssayMethod.RIA, 0.05, "nmol/L", None, "positive"),  # above the 0.02 reference
        (AssayMethod.RIA, 0.02, "nmol/L", None, "negative"),  # at the reference limit
        (AssayMethod.ELISA, 1500.0, "IU/mL", None, "high_titre"),  # > 1000 IU/mL
        (AssayMethod.ELISA, 25.0, "IU/mL", None, "positive"),  # > 5 IU/mL, never read as RIA
        (AssayMethod.ELISA, 5.0, "IU/mL", None, "negative"),
        (AssayMethod.ELISA, None, None, QualitativeResult.POSITIVE, "positive"),
        (AssayMethod.ELISA, None, None, QualitativeResult.EQUIVOCAL, "unknown"),
    ],
)
def test_gad65_status_reads_each_method_against_its_own_cutoffs(
    method: AssayMethod,
    value: float | None,
    unit: str | None,
    qualitative: QualitativeResult | None,
    expected: str,
) -> None:
    result = lab("p-1", "gad", 0, method=method, value=value, unit=unit, qualitative=qualitative)
    frames = frames_from_records([record(lab_results=[result])], as_of=AS_OF)
    assert frames.patients["gad65_status"].iloc[0] == expected
    assert frames.patients["glyr_status"].iloc[0] == "unknown"


def test_death_after_the_analysis_date_is_not_yet_known() -> None:
    dead = record(
        patient={"vital_status": VitalStatus.DEAD, "date_of_death": at(200)},
        diary_entries=[diary("p-1", 10, stiffness=3)],
    )
    later = frames_from_records([dead], as_of=at(300)).patients.iloc[0]
    assert later["vital_status"] == "dead" and later["follow_up_end"] == pd.Timestamp(at(200))
    before = frames_from_records([dead], as_of=AS_OF).patients.iloc[0]
    assert before["vital_status"] == "alive" and pd.isna(before["date_of_death"])
    assert before["follow_up_end"] == pd.Timestamp(at(10))


def test_a_patient_with_no_facts_is_followed_up_to_first_contact() -> None:
    frames = frames_from_records([record("p-2")], as_of=AS_OF)
    assert frames.patients["follow_up_end"].iloc[0] == pd.Timestamp(at(-400))
    assert frames.outcomes.empty and frames.courses.empty


def test_frames_do_not_depend_on_record_order() -> None:
    records = [rich_record(f"p-{i}") for i in (3, 1, 2)]
    first = frames_from_records(records, as_of=AS_OF)
    second = frames_from_records(reversed(records), as_of=AS_OF)
    assert list(first.patients["patient_id"]) == ["p-1", "p-2", "p-3"]
    for name in FRAME_NAMES:
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), obj=name)
    assert_schema(first)


def test_no_records_give_the_empty_frames() -> None:
    built = frames_from_records([], as_of=DAY0)
    empty = empty_frames(DAY0)
    for name in FRAME_NAMES:
        pd.testing.assert_frame_equal(getattr(built, name), getattr(empty, name), obj=name)


def test_typed_frame_refuses_columns_of_different_lengths() -> None:
    columns: dict[str, list[object]] = {c: [] for c in FRAME_SCHEMAS["comorbidities"]}
    columns["kind"] = ["anxiety"]
    with pytest.raises(ValueError, match="different lengths"):
        typed_frame("comorbidities", columns)


def test_typed_frame_accepts_day_ordinals_for_dates() -> None:
    columns = {
        "patient_id": ["p-1"],
        "outcome": ["mrs"],
        "date": [date(2022, 3, 4).toordinal()],
        "value": [2.0],
        "source": ["visit"],
    }
    frame = typed_frame("outcomes", columns)
    assert frame["date"].iloc[0] == pd.Timestamp(2022, 3, 4)


def test_synthetic_cohort_gives_well_formed_frames() -> None:
    config = CohortConfig(patients=30, years=3, seed=4242)
    frames = frames_from_records(
        (p.record for p in iter_synthetic_patients(config)), as_of=config.end_date
    )
    assert_schema(frames)
    assert len(frames.patients) == 30
    assert set(frames.outcomes["outcome"]) >= {"stiffness_index", "mrs", "diary_stiffness"}
    assert frames.outcomes["date"].max() <= pd.Timestamp(config.end_date)
    assert not frames.patients["follow_up_end"].isna().any()
    assert np.isin(
        frames.patients["gad65_status"], ["high_titre", "positive", "negative", "unknown"]
    ).all()
