"""Therapy starts, restarts after a gap, dose changes and procedure starts."""

from __future__ import annotations

import math

import pandas as pd
from response_records import at, course, ivig_course, procedure, record

from spsreg.analysis.frames import frames_from_records
from spsreg.analysis.settings import AnalysisSettings
from spsreg.analysis.starts import START_COLUMNS, therapy_starts
from spsreg.domain import StopReason

PID = "p-1"


def starts_of(*sections_records: object, as_of: int = 1000, **settings: object) -> pd.DataFrame:
    frames = frames_from_records(sections_records, as_of=at(as_of))  # type: ignore[arg-type]
    return therapy_starts(frames, AnalysisSettings.model_validate(settings))


def events(starts: pd.DataFrame) -> list[tuple[object, ...]]:
    return [
        (
            r.therapy,
            (r.start_date - pd.Timestamp(at(0))).days,
            r.event,
            r.ref_id.removeprefix(f"{PID}-"),
            None if math.isnan(r.daily_amount) else r.daily_amount,
            None if math.isnan(r.previous_daily_amount) else r.previous_daily_amount,
        )
        for r in starts.itertuples()
    ]


def test_dose_changes_restarts_and_procedures() -> None:
    patient = record(
        PID,
        medication_courses=[
            course(PID, "dz1", "diazepam", 0, stop=60, mg=5.0),  # 15 mg/day
            course(PID, "dz2", "diazepam", 60, stop=120, mg=10.0, previous="dz1"),  # 30 mg/day
            # same daily amount in another form: a continuation, not a dose change
            course(PID, "dz3", "diazepam", 120, stop=200, mg=15.0, times=2, previous="dz2"),
            # 90 days without diazepam is not longer than the gap: a continuation
            course(PID, "dz4", "diazepam", 290, stop=300, mg=5.0, reason=StopReason.INEFFECTIVE),
            # 91 days without: a restart
            course(PID, "dz5", "diazepam", 391, mg=2.0),
            course(PID, "bac", "baclofen", 30, mg=10.0),
        ],
        procedures=[procedure(PID, "pe1", 100, 110), procedure(PID, "pe2", 150, 160)],
    )
    starts = starts_of(patient)
    assert list(starts.columns) == list(START_COLUMNS)
    assert events(starts) == [
        ("diazepam", 0, "start", "dz1", 15.0, None),
        ("baclofen_oral", 30, "start", "bac", 30.0, None),
        ("diazepam", 60, "dose_change", "dz2", 30.0, 15.0),
        ("plasmapheresis", 100, "start", "pe1", None, None),
        ("plasmapheresis", 150, "restart", "pe2", None, None),
        ("diazepam", 391, "restart", "dz5", 6.0, 15.0),
    ]
    stops = dict(zip(starts["ref_id"], starts["episode_stop"], strict=True))
    assert stops[f"{PID}-dz1"] == pd.Timestamp(at(300))  # the first episode ends at day 300
    assert stops[f"{PID}-dz2"] == pd.Timestamp(at(300))
    assert pd.isna(stops[f"{PID}-dz5"]) and pd.isna(stops[f"{PID}-bac"])
    assert pd.isna(stops[f"{PID}-pe1"])


def test_the_restart_gap_is_a_setting() -> None:
    patient = record(
        PID,
        medication_courses=[
            course(PID, "a", "gabapentin", 0, stop=10),
            course(PID, "b", "gabapentin", 40, mg=5.0),
        ],
    )
    assert [e[2] for e in events(starts_of(patient))] == ["start"]
    assert [e[2] for e in events(starts_of(patient, restart_gap_days=29))] == ["start", "restart"]


def test_an_ongoing_course_never_leaves_a_gap_and_overlaps_are_continuations() -> None:
    patient = record(
        PID,
        medication_courses=[
            ivig_course(PID, "ivig1", 0),
            ivig_course(PID, "ivig2", 400),  # overlapping, not linked: no new event
        ],
    )
    assert [e[:3] for e in events(starts_of(patient))] == [("ivig", 0, "start")]


def test_courses_after_the_analysis_date_start_nothing() -> None:
    patient = record(PID, medication_courses=[course(PID, "a", "tizanidine", 50, mg=2.0)])
    assert starts_of(patient, as_of=49).empty
    assert len(starts_of(patient, as_of=50)) == 1


def test_no_courses_give_an_empty_typed_table() -> None:
    starts = starts_of(record(PID))
    assert starts.empty and list(starts.columns) == list(START_COLUMNS)
    assert str(starts["start_date"].dtype) == "datetime64[ns]"
