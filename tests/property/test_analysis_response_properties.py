"""Properties of the per-patient response over generated cohorts of frames.

The response must not depend on the order of the frames' rows, must not move when every date of a
cohort is shifted by the same number of days (the analysis date with them), and its numbers must
agree with each other (change = on-treatment mean - baseline mean, the interval holds the change,
the responder flag follows the relative change, assessable pairs have their observations).
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from spsreg.analysis.frames import FRAME_SCHEMAS, CohortFrames, empty_frames, typed_frame
from spsreg.analysis.response import cohort_responses
from spsreg.analysis.settings import DEFAULT_SETTINGS

DAY0 = date(2022, 1, 1)
SEEDED = settings(max_examples=25, deadline=None)


def on(day: int) -> date:
    return DAY0 + timedelta(days=day)


@st.composite
def patient_rows(draw: st.DrawFn, pid: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One patient's courses (1-3 diazepam or IVIG courses) and outcome rows."""
    courses: list[dict[str, Any]] = []
    day = draw(st.integers(-50, 50))
    previous: str | None = None
    for index in range(draw(st.integers(1, 3))):
        therapy = draw(st.sampled_from(["diazepam", "ivig"]))
        length = draw(st.one_of(st.none(), st.integers(1, 200)))
        course_id = f"{pid}-c{index}"
        courses.append(
            {
                "patient_id": pid,
                "course_id": course_id,
                "therapy": therapy,
                "drug_id": therapy,
                "drug_class": None,
                "route": "oral",
                "intent": "symptomatic",
                "schedule": "regular",
                "start_date": on(day),
                "stop_date": None if length is None else on(day + length),
                "stop_reason": None if length is None else "dose_changed",
                "daily_amount": float(draw(st.sampled_from([5, 10, 20]))),
                "amount_unit": "mg",
                "previous_course_id": previous if therapy == "diazepam" else None,
                "chain_id": course_id,
            }
        )
        previous = course_id if therapy == "diazepam" else None
        day += draw(st.integers(0, 150)) if length is None else length + draw(st.integers(0, 150))
    outcomes: list[dict[str, Any]] = []
    visit_days = draw(st.lists(st.integers(-150, 500), max_size=12, unique=True))
    for visit_day in visit_days:
        outcomes.append(
            {
                "patient_id": pid,
                "outcome": "stiffness_index",
                "date": on(visit_day),
                "value": float(draw(st.integers(0, 6))),
                "source": "visit",
            }
        )
    first = draw(st.integers(-150, 300))
    diary_values = draw(st.lists(st.integers(0, 10), max_size=120))
    for offset, value in enumerate(diary_values):
        outcomes.append(
            {
                "patient_id": pid,
                "outcome": "diary_stiffness",
                "date": on(first + offset),
                "value": float(value),
                "source": "diary",
            }
        )
    return courses, outcomes


def table(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    return typed_frame(name, {c: [row[c] for row in rows] for c in FRAME_SCHEMAS[name]})


@st.composite
def cohorts(draw: st.DrawFn) -> CohortFrames:
    courses: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    for index in range(draw(st.integers(1, 3))):
        more_courses, more_outcomes = draw(patient_rows(f"p-{index}"))
        courses += more_courses
        outcomes += more_outcomes
    as_of = on(draw(st.integers(100, 700)))
    return dataclasses.replace(
        empty_frames(as_of), courses=table("courses", courses), outcomes=table("outcomes", outcomes)
    )


def shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    order = np.random.default_rng(seed).permutation(len(frame))
    return frame.iloc[order].reset_index(drop=True)


@SEEDED
@given(cohorts(), st.integers(0, 2**32 - 1))
def test_response_does_not_depend_on_row_order(frames: CohortFrames, seed: int) -> None:
    mixed = dataclasses.replace(
        frames,
        courses=shuffled(frames.courses, seed),
        outcomes=shuffled(frames.outcomes, seed + 1),
    )
    pd.testing.assert_frame_equal(cohort_responses(mixed), cohort_responses(frames))


@SEEDED
@given(cohorts(), st.integers(-3000, 3000))
def test_shifting_every_date_leaves_the_response_unchanged(frames: CohortFrames, days: int) -> None:
    shift = pd.Timedelta(days=days)
    courses = frames.courses.copy()
    for column in ("start_date", "stop_date"):
        courses[column] = courses[column] + shift
    outcomes = frames.outcomes.copy()
    outcomes["date"] = outcomes["date"] + shift
    moved = dataclasses.replace(
        frames,
        courses=courses,
        outcomes=outcomes,
        as_of=frames.as_of + timedelta(days=days),
    )
    before, after = cohort_responses(frames), cohort_responses(moved)
    assert (after["start_date"] - before["start_date"] == shift).all()
    same = [c for c in before.columns if c not in ("start_date", "reason")]
    pd.testing.assert_frame_equal(after[same], before[same])
    # reasons name the analysis date, which moved with everything else
    assert (after["reason"].isna() == before["reason"].isna()).all()


@SEEDED
@given(cohorts())
def test_the_numbers_agree_with_each_other(frames: CohortFrames) -> None:
    result = cohort_responses(frames)
    ok = result["assessable"].to_numpy()
    needed = np.where(result["outcome"].str.startswith("diary_"), 7, 1)
    assert (ok == ((result["baseline_n"] >= needed) & (result["on_treatment_n"] >= needed))).all()
    assert result.loc[ok, "reason"].isna().all() and result.loc[~ok, "reason"].notna().all()
    change = result.loc[ok, "on_treatment_mean"] - result.loc[ok, "baseline_mean"]
    assert np.allclose(result.loc[ok, "change"], change)
    assert result.loc[~ok, "change"].isna().all()
    interval = result[result["change_low"].notna()]
    assert (interval["change_low"] <= interval["change"] + 1e-9).all()
    assert (interval["change"] <= interval["change_high"] + 1e-9).all()
    judged = result[result["responder"].notna()]
    threshold = -DEFAULT_SETTINGS.responder_relative_change
    expected = judged["relative_change"] <= threshold + 1e-9
    assert (judged["responder"].astype(bool) == expected).all()
    responders = result[result["responder"].fillna(False).astype(bool)]
    assert responders["time_to_response_days"].notna().all()
    assert (responders["duration_of_response_days"] >= 0).all()
    assert (
        result.loc[~result["responder"].fillna(False).astype(bool), "time_to_response_days"]
        .isna()
        .all()
    )
