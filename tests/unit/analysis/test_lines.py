"""Lines of immunotherapy and their sequences."""

from __future__ import annotations

import pandas as pd
from frames_builders import (
    build_frames,
    course_row,
    day,
    patient_row,
    synthetic_frames,
    therapy_event_row,
)

from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.lines import LINE_COLUMNS, line_sequences, therapy_lines


def hand_cohort() -> CohortFrames:
    return build_frames(
        400,
        patients=[patient_row(p) for p in ("p1", "p2", "p3", "p4")],
        courses=[
            course_row("p1", "ivig1", "ivig", 0, 100, "ineffective"),
            course_row("p1", "rtx1", "rituximab", 200, 215, "course_completed"),
            course_row("p1", "ivig2", "ivig", 300),  # restart: same line, now ongoing
            course_row("p2", "pred", "corticosteroid", 50, 80, "course_completed"),
            course_row("p3", "dzp", "diazepam", 0, intent="symptomatic", route="oral"),
            course_row("p4", "rtx4", "rituximab", 10, 25, "course_completed"),
        ],
        therapy_events=[
            therapy_event_row("p2", "plasmapheresis", 50, "procedure_start", "pe1"),
            therapy_event_row("p2", "plasmapheresis", 58, "procedure_end", "pe1"),
            therapy_event_row("p2", "plasmapheresis", 150, "procedure_start", "pe2"),
            therapy_event_row("p2", "plasmapheresis", 158, "procedure_end", "pe2"),
            therapy_event_row("p3", "botulinum_toxin", 30, "procedure_start", "bt1"),
        ],
    )


def test_lines_in_order_of_first_start() -> None:
    lines = therapy_lines(hand_cohort())
    assert tuple(lines.columns) == LINE_COLUMNS
    rows = [
        (r.patient_id, r.line, r.therapy, r.start_date, r.stop_date)
        for r in lines.itertuples(index=False)
    ]
    ts = pd.Timestamp
    assert rows[0][:4] == ("p1", 1, "ivig", ts(day(0)))
    assert pd.isna(rows[0][4])  # a course of IVIG is ongoing: no stop date
    assert rows[1] == ("p1", 2, "rituximab", ts(day(200)), ts(day(215)))
    # same start day: ties by therapy id; the plasmapheresis line ends with its last series
    assert rows[2] == ("p2", 1, "corticosteroid", ts(day(50)), ts(day(80)))
    assert rows[3] == ("p2", 2, "plasmapheresis", ts(day(50)), ts(day(158)))
    assert rows[4] == ("p4", 1, "rituximab", ts(day(10)), ts(day(25)))
    assert len(rows) == 5  # p3 had only symptomatic treatment (diazepam, botulinum toxin)
    assert str(lines["start_date"].dtype) == "datetime64[ns]"
    assert str(lines["line"].dtype) == "int64"


def test_sequences_count_patients_and_those_without_immunotherapy() -> None:
    frames = hand_cohort()
    lines = therapy_lines(frames)
    sequences = line_sequences(lines)
    assert sequences.to_dict("records") == [
        {"sequence": "corticosteroid -> plasmapheresis", "patients": 1},
        {"sequence": "ivig -> rituximab", "patients": 1},
        {"sequence": "rituximab", "patients": 1},
    ]
    everyone = line_sequences(lines, patient_ids=frames.patients["patient_id"])
    assert everyone.iloc[0].to_dict() == {
        "sequence": "corticosteroid -> plasmapheresis",
        "patients": 1,
    }
    assert {"sequence": "no immunotherapy", "patients": 1} in everyone.to_dict("records")
    assert everyone["patients"].sum() == 4


def test_no_immunotherapy_gives_empty_tables() -> None:
    frames = build_frames(
        patients=[patient_row("p1")],
        courses=[course_row("p1", "c1", "baclofen_oral", 0, intent="symptomatic", route="oral")],
    )
    lines = therapy_lines(frames)
    assert lines.empty and tuple(lines.columns) == LINE_COLUMNS
    assert line_sequences(lines).empty
    assert line_sequences(lines, patient_ids=["p1"]).to_dict("records") == [
        {"sequence": "no immunotherapy", "patients": 1}
    ]


def test_synthetic_cohort_lines_are_numbered_consecutively() -> None:
    frames = synthetic_frames()
    lines = therapy_lines(frames)
    assert set(lines["patient_id"]) <= set(frames.patients["patient_id"])
    for _, own in lines.groupby("patient_id"):
        assert list(own["line"]) == list(range(1, len(own) + 1))
        assert own["start_date"].is_monotonic_increasing
        assert own["therapy"].is_unique
    immunotherapy = frames.courses.loc[frames.courses["intent"] == "immunotherapy"]
    assert set(immunotherapy["patient_id"]) <= set(lines["patient_id"])
    sequences = line_sequences(lines, patient_ids=frames.patients["patient_id"])
    assert sequences["patients"].sum() == len(frames.patients)
