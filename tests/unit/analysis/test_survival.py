"""Kaplan-Meier time to discontinuation: known answers on a hand-made cohort, censoring explained."""

from __future__ import annotations

import json
import math

import pytest
from frames_builders import build_frames, course_row, patient_row, synthetic_frames

from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.survival import (
    TIMELINE_COLUMNS,
    discontinuation_times,
    time_to_discontinuation,
)


def hand_cohort() -> CohortFrames:
    """Seven IVIG patients, all starting on day 0 (times in days):

    p1 stops at 10 (ineffective: event); p2 still on it at follow-up end 20 (censored);
    p3 stops at 30 (adverse event: event); p4 changes dose at 15 and stops at 40 (patient choice:
    one chain, event at 40); p5 lost to follow-up at 25 while on it (censored); p6 dies at 35
    while on it (censored); p7 stops at 50 (ineffective: event) and restarts at 100 (ignored:
    only the first chain counts).
    """
    patients = [
        patient_row("p1", follow_up_end=300),
        patient_row("p2", follow_up_end=20),
        patient_row("p3", follow_up_end=300),
        patient_row("p4", follow_up_end=300),
        patient_row("p5", follow_up_end=25, vital_status="lost_to_follow_up"),
        patient_row("p6", follow_up_end=35, vital_status="dead", date_of_death=35),
        patient_row("p7", follow_up_end=300),
        patient_row("p8", follow_up_end=300),  # never on IVIG
    ]
    courses = [
        course_row("p1", "c1", "ivig", 0, 10, "ineffective"),
        course_row("p2", "c2", "ivig", 0),
        course_row("p3", "c3", "ivig", 0, 30, "adverse_event"),
        course_row("p4", "c4a", "ivig", 0, 15, "dose_changed"),
        course_row("p4", "c4b", "ivig", 15, 40, "patient_choice", previous_course_id="c4a"),
        course_row("p5", "c5", "ivig", 0),
        course_row("p6", "c6", "ivig", 0, 35, "death"),
        course_row("p7", "c7a", "ivig", 0, 50, "ineffective"),
        course_row("p7", "c7b", "ivig", 100),
        course_row("p8", "c8", "diazepam", 0, intent="symptomatic", route="oral"),
    ]
    return build_frames(300, patients=patients, courses=courses)


def test_each_patient_contributes_the_first_chain_with_its_reason() -> None:
    times = discontinuation_times(hand_cohort(), "ivig").set_index("patient_id")
    assert list(times.index) == ["p1", "p2", "p3", "p4", "p5", "p6", "p7"]
    assert times["days"].to_dict() == {
        "p1": 10.0,
        "p2": 20.0,
        "p3": 30.0,
        "p4": 40.0,
        "p5": 25.0,
        "p6": 35.0,
        "p7": 50.0,
    }
    assert times["event"].to_dict() == {
        "p1": True,
        "p2": False,
        "p3": True,
        "p4": True,
        "p5": False,
        "p6": False,
        "p7": True,
    }
    assert times["reason"].to_dict() == {
        "p1": "ineffective",
        "p2": "ongoing",
        "p3": "adverse_event",
        "p4": "patient_choice",
        "p5": "lost_to_follow_up",
        "p6": "died",
        "p7": "ineffective",
    }


def test_kaplan_meier_matches_the_hand_computed_curve() -> None:
    result = time_to_discontinuation(hand_cohort(), "ivig")
    assert (result.n, result.events, result.censored) == (7, 4, 3)
    timeline = result.timeline.set_index("days")
    assert tuple(result.timeline.columns) == TIMELINE_COLUMNS
    # S(t) = product over event times of (1 - d/n): at risk 7 at day 10, 4 at 30, 2 at 40, 1 at 50
    expected = {0: 1.0, 10: 6 / 7, 20: 6 / 7, 25: 6 / 7, 30: 6 / 7 * 3 / 4}
    expected |= {35: expected[30], 40: expected[30] * 1 / 2, 50: 0.0}
    for days, survival in expected.items():
        assert timeline.loc[float(days), "survival"] == pytest.approx(survival)
    at_risk = {0: 7, 10: 7, 20: 6, 25: 5, 30: 4, 35: 3, 40: 2, 50: 1}
    for days, n in at_risk.items():
        assert timeline.loc[float(days), "at_risk"] == n
        assert result.at_risk_at(days) == n
    assert result.median_days == 40.0  # first time S(t) <= 0.5


def test_confidence_band_is_the_exponential_greenwood_interval() -> None:
    result = time_to_discontinuation(hand_cohort(), "ivig")
    row = result.timeline.set_index("days").loc[30.0]
    survival = 6 / 7 * 3 / 4
    greenwood = 1 / (7 * 6) + 1 / (4 * 3)  # sum of d / (n (n - d)) over events up to day 30
    z = 1.959963984540054
    spread = z * math.sqrt(greenwood) / math.log(survival)
    assert row["low"] == pytest.approx(survival ** math.exp(-spread))
    assert row["high"] == pytest.approx(survival ** math.exp(spread))


def test_median_interval_comes_from_where_the_band_crosses_one_half() -> None:
    result = time_to_discontinuation(hand_cohort(), "ivig")
    timeline = result.timeline
    crossing_low = timeline.loc[timeline["low"] <= 0.5, "days"]
    assert result.median_low == crossing_low.iloc[0]
    crossing_high = timeline.loc[timeline["high"] <= 0.5, "days"]
    expected_high = crossing_high.iloc[0] if len(crossing_high) else None
    assert result.median_high == expected_high


def test_median_not_reached_is_none() -> None:
    patients = [patient_row(f"p{i}", follow_up_end=400) for i in range(5)]
    courses = [course_row("p0", "c0", "rituximab", 0, 100, "ineffective")]
    courses += [course_row(f"p{i}", f"c{i}", "rituximab", 0) for i in range(1, 5)]
    result = time_to_discontinuation(
        build_frames(400, patients=patients, courses=courses), "rituximab"
    )
    assert result.timeline["survival"].min() == pytest.approx(0.8)
    assert result.median_days is None
    assert result.median_high is None
    assert result.to_document()["median_days"] is None


def test_censoring_note_says_who_was_censored_and_why() -> None:
    note = time_to_discontinuation(hand_cohort(), "ivig").censoring_note
    assert note.startswith("7 patients started Intravenous immunoglobulin (IVIG).")
    assert "4 stopped it (2 because it did not work; 1 because of an adverse event; " in note
    assert "1 because the patient chose to stop)" in note
    assert "3 were censored (1 was still on it at the end of follow-up; " in note
    assert "1 was lost to follow-up while on it; 1 died without having stopped it)" in note
    assert "does not assume they would have stopped" in note


def test_completed_courses_and_remission_are_censored_not_failures() -> None:
    patients = [patient_row("p1"), patient_row("p2")]
    courses = [
        course_row("p1", "c1", "rituximab", 0, 15, "course_completed"),
        course_row("p2", "c2", "rituximab", 0, 200, "remission"),
    ]
    result = time_to_discontinuation(build_frames(patients=patients, courses=courses), "rituximab")
    assert result.events == 0
    assert dict(result.censoring_reasons) == {"course_completed": 1, "remission": 1}
    assert "1 stopped it as planned (course completed)" in result.censoring_note
    assert "None stopped it" in result.censoring_note


def test_a_therapy_nobody_received_gives_an_empty_result_with_an_explanation() -> None:
    result = time_to_discontinuation(hand_cohort(), "plasmapheresis")
    assert (result.n, result.events, result.censored) == (0, 0, 0)
    assert result.median_days is None and result.timeline.empty
    assert "procedures have no course to stop" in result.censoring_note
    json.dumps(result.to_document())


def test_document_is_json_ready_and_stable() -> None:
    document = time_to_discontinuation(hand_cohort(), "ivig").to_document()
    text = json.dumps(document, sort_keys=True)
    assert json.loads(text) == document
    assert document["event_reasons"] == {"ineffective": 2, "adverse_event": 1, "patient_choice": 1}
    assert document["timeline"][0] == {
        "days": 0.0,
        "survival": 1.0,
        "low": 1.0,
        "high": 1.0,
        "at_risk": 7.0,
    }
    assert list(document) == [
        "therapy",
        "label",
        "n",
        "events",
        "censored",
        "confidence_level",
        "median_days",
        "median_low",
        "median_high",
        "event_reasons",
        "censoring_reasons",
        "censoring_note",
        "timeline",
    ]


def test_synthetic_cohort_curve_is_a_proper_survival_curve() -> None:
    frames = synthetic_frames()
    result = time_to_discontinuation(frames, "diazepam")
    starters = frames.courses.loc[frames.courses["therapy"] == "diazepam", "patient_id"].nunique()
    assert result.n == starters > 0
    assert result.events + result.censored == result.n
    survival = result.timeline["survival"]
    assert (survival.diff().dropna() <= 1e-12).all()
    assert result.timeline["at_risk"].iloc[0] == result.n
    assert (
        (result.timeline["low"] <= survival + 1e-12) & (survival <= result.timeline["high"] + 1e-12)
    ).all()
    assert (result.times["days"] >= 0).all()
    last_day = (frames.as_of - frames.courses["start_date"].min().date()).days
    assert result.times["days"].max() <= last_day
