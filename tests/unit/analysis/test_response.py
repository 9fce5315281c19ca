"""Per-patient response: known answers computed by hand on small records."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from response_records import at, course, diary, record, si_visit
from scipy import stats

from spsreg.analysis.frames import CohortFrames, frames_from_records
from spsreg.analysis.response import (
    RESPONSE_COLUMNS,
    TherapyResponse,
    cohort_responses,
    patient_response,
)
from spsreg.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings
from spsreg.domain import PatientRecord, StopReason
from spsreg.synth import CohortConfig, iter_synthetic_patients

PID = "p-1"
AS_OF = 1000


def frames_of(*records: PatientRecord, as_of: int = AS_OF) -> CohortFrames:
    return frames_from_records(records, as_of=at(as_of))


def response(
    patient: PatientRecord | CohortFrames,
    therapy: str = "diazepam",
    outcome: str = "stiffness_index",
    event: str = "start",
    settings: AnalysisSettings = DEFAULT_SETTINGS,
) -> TherapyResponse:
    frames = patient if isinstance(patient, CohortFrames) else frames_of(patient)
    found = [
        r
        for r in patient_response(frames, PID, settings)
        if (r.therapy, r.outcome, r.event) == (therapy, outcome, event)
    ]
    assert len(found) == 1
    return found[0]


def diazepam_from_day_0(*sections: object, **more: object) -> PatientRecord:
    return record(PID, medication_courses=[course(PID, "dz", "diazepam", 0)], **more)


def si_series(*day_value: tuple[int, int]) -> list[object]:
    return [si_visit(PID, d, v) for d, v in day_value]


RESPONDER = [(-80, 5), (-40, 4), (0, 4), (30, 2), (60, 1), (120, 2)]


def test_responder_with_welch_interval_time_to_and_duration_of_response() -> None:
    r = response(diazepam_from_day_0(visits=si_series(*RESPONDER, (200, 5), (250, 2))))
    # baseline days -90..0: 5, 4, 4; on treatment days 30..180: 2, 1, 2
    assert r.assessable and r.reason is None
    assert (r.baseline_n, r.on_treatment_n) == (3, 3)
    assert r.baseline_mean == pytest.approx(13 / 3)
    assert r.on_treatment_mean == pytest.approx(5 / 3)
    assert r.change == pytest.approx(-8 / 3)
    assert r.relative_change == pytest.approx(-8 / 13)
    # Welch: both variances 1/3, se^2 = 2/9, df = 4
    half = stats.t.ppf(0.975, 4) * np.sqrt(2 / 9)
    assert (r.change_low, r.change_high) == pytest.approx((-8 / 3 - half, -8 / 3 + half))
    welch = stats.ttest_ind([2, 1, 2], [5, 4, 4], equal_var=False).confidence_interval(0.95)
    assert (r.change_low, r.change_high) == pytest.approx((welch.low, welch.high))
    # responder: fell by 8/3 >= half the baseline mean (13/6); first value <= 13/6 on day 30
    assert r.responder is True and r.time_to_response_days == 30
    # back to baseline (5 >= 13/3) on day 200: 170 days after the response
    assert r.duration_of_response_days == 170 and r.response_censored is False
    assert r.wearing_off is None


def test_duration_of_response_is_censored_at_the_last_observation() -> None:
    r = response(diazepam_from_day_0(visits=si_series(*RESPONDER, (250, 3))))
    assert r.responder is True
    assert r.duration_of_response_days == 250 - 30 and r.response_censored is True


def test_confidence_level_is_a_setting() -> None:
    settings = AnalysisSettings(confidence_level=0.9)
    r = response(diazepam_from_day_0(visits=si_series(*RESPONDER)), settings=settings)
    welch = stats.ttest_ind([2, 1, 2], [5, 4, 4], equal_var=False).confidence_interval(0.9)
    assert (r.change_low, r.change_high) == pytest.approx((welch.low, welch.high))


def test_absolute_responder_rule_replaces_the_relative_one() -> None:
    settings = AnalysisSettings(responder_absolute_change={"stiffness_index": 3})
    r = response(diazepam_from_day_0(visits=si_series(*RESPONDER)), settings=settings)
    assert r.change == pytest.approx(-8 / 3)
    assert r.responder is False  # fell by 2.67 < 3 points
    assert r.time_to_response_days is None and r.duration_of_response_days is None


def test_exactly_half_is_a_response_and_one_value_per_window_has_no_interval() -> None:
    r = response(diazepam_from_day_0(visits=si_series((0, 4), (90, 2))))
    assert r.change == -2.0 and r.relative_change == -0.5
    assert r.responder is True
    assert r.change_low is None and r.change_high is None


def test_zero_baseline_has_no_relative_change_and_no_responder_verdict() -> None:
    r = response(diazepam_from_day_0(visits=si_series((0, 0), (60, 0))))
    assert r.assessable and r.change == 0.0
    assert r.relative_change is None and r.responder is None


def test_dose_change_is_measured_from_its_own_day() -> None:
    patient = record(
        PID,
        medication_courses=[
            course(PID, "dz1", "diazepam", 0, stop=100, mg=5.0),
            course(PID, "dz2", "diazepam", 100, mg=10.0, previous="dz1"),
        ],
        visits=si_series((-30, 4), (0, 4), (50, 3), (100, 4), (150, 1)),
    )
    frames = frames_of(patient)
    start = response(frames)
    # the start's window ends on the day the dose changed (assessed before the change)
    assert (start.baseline_mean, start.on_treatment_mean) == (4.0, 3.5)
    assert start.on_treatment_n == 2 and start.responder is False
    change = response(frames, event="dose_change")
    assert (change.baseline_mean, change.baseline_n) == (3.5, 2)
    assert (change.on_treatment_mean, change.change) == (1.0, -2.5)
    assert change.responder is True and change.time_to_response_days == 50
    # one value on treatment: the baseline's variance (1/2) stands for both, t with 1 df
    half = stats.t.ppf(0.975, 1) * np.sqrt(0.5 * (1 / 2 + 1 / 1))
    assert (change.change_low, change.change_high) == pytest.approx((-2.5 - half, -2.5 + half))


def test_restart_after_a_gap_has_its_own_response_and_ends_the_previous_duration() -> None:
    patient = record(
        PID,
        medication_courses=[
            course(PID, "g1", "gabapentin", 0, stop=40, reason=StopReason.PATIENT_CHOICE),
            course(PID, "g2", "gabapentin", 200),
        ],
        visits=si_series((0, 6), (35, 2), (150, 4), (200, 4), (240, 2)),
    )
    frames = frames_of(patient)
    first = response(frames, therapy="gabapentin")
    assert first.on_treatment_n == 1 and first.responder is True  # day 35, before the stop
    # still in response until day 200 (the restart): censored there, never after
    assert first.duration_of_response_days == 200 - 35 and first.response_censored is True
    again = response(frames, therapy="gabapentin", event="restart")
    assert (again.baseline_mean, again.on_treatment_mean) == (4.0, 2.0)
    assert again.responder is True and again.time_to_response_days == 40


def test_not_assessable_without_baseline_data() -> None:
    r = response(diazepam_from_day_0(visits=si_series((-91, 5), (60, 2))))
    assert not r.assessable
    assert r.reason == "no stiffness_index in the 90 days before the start"
    assert (r.baseline_n, r.on_treatment_n, r.on_treatment_mean) == (0, 1, 2.0)
    assert r.change is None and r.responder is None and r.baseline_mean is None


def test_not_assessable_without_on_treatment_data() -> None:
    r = response(diazepam_from_day_0(visits=si_series((-10, 5), (29, 2), (181, 2))))
    assert r.reason == "no stiffness_index between day 30 and day 180 after the start"
    assert r.baseline_mean == 5.0 and r.change is None


def test_not_assessable_with_too_few_diary_days() -> None:
    days = [diary(PID, d, stiffness=6) for d in range(-5, 0)]
    days += [diary(PID, d, stiffness=3) for d in range(40, 50)]
    r = response(diazepam_from_day_0(diary_entries=days), outcome="diary_stiffness")
    assert r.reason == (
        "only 5 diary_stiffness diary days in the 90 days before the start (at least 7 needed)"
    )
    assert (r.baseline_n, r.on_treatment_n) == (5, 10)
    lenient = AnalysisSettings(min_diary_days_per_window=5)
    r = response(
        diazepam_from_day_0(diary_entries=days), outcome="diary_stiffness", settings=lenient
    )
    assert r.assessable and r.change == -3.0 and r.responder is True


def test_missing_outcomes_are_reported_for_both_windows() -> None:
    r = response(diazepam_from_day_0(visits=si_series((0, 3))), outcome="mrs")
    assert r.reason == (
        "no mrs in the 90 days before the start; no mrs between day 30 and day 180 after the start"
    )


def test_a_symptomatic_drug_stopped_before_the_window_is_not_assessable() -> None:
    patient = record(
        PID,
        medication_courses=[
            course(PID, "dz", "diazepam", 0, stop=10, reason=StopReason.ADVERSE_EVENT)
        ],
        visits=si_series((0, 4), (60, 1)),
    )
    r = response(patient)
    assert r.reason == (
        "diazepam stopped on day 10 after the start, before the on-treatment window (days 30-180)"
    )


def test_window_not_over_and_nothing_after_the_analysis_date_is_used() -> None:
    patient = diazepam_from_day_0(visits=si_series((0, 4), (60, 2), (150, 4)))
    early = frames_of(patient, as_of=20)
    r = response(early)
    assert r.reason == (
        "the on-treatment window (days 30-180 after the start) is not over by the analysis date "
        f"{at(20).isoformat()}"
    )
    at_100 = frames_of(patient, as_of=100)
    r = response(at_100)
    assert r.responder is True and r.on_treatment_n == 1
    assert r.duration_of_response_days == 0 and r.response_censored is True
    # frames holding later facts (e.g. built by another path) give the same answer
    leaky = dataclasses.replace(frames_of(patient), as_of=at(100))
    pd.testing.assert_frame_equal(cohort_responses(leaky), cohort_responses(at_100))


def test_cohort_table_columns_order_and_documents() -> None:
    frames = frames_of(diazepam_from_day_0(visits=si_series(*RESPONDER)))
    table = cohort_responses(frames)
    assert list(table.columns) == list(RESPONSE_COLUMNS)
    assert list(table["outcome"]) == list(DEFAULT_SETTINGS.outcomes)
    assert str(table["responder"].dtype) == "boolean"
    assert str(table["baseline_n"].dtype) == "int64"
    documents = [r.to_document() for r in patient_response(frames, PID)]
    assert json.loads(json.dumps(documents)) == documents
    assert documents[0]["start_date"] == at(0).isoformat()
    assert list(documents[0])[:5] == ["patient_id", "therapy", "event", "start_date", "outcome"]
    with pytest.raises(KeyError, match="p-9"):
        patient_response(frames, "p-9")


def test_synthetic_cohorts_give_responses_and_most_ivig_starts_are_assessable() -> None:
    assessable: list[bool] = []
    for seed in (1, 3, 10):
        config = CohortConfig(patients=30, years=3, seed=seed)
        frames = frames_from_records(
            (p.record for p in iter_synthetic_patients(config)), as_of=config.end_date
        )
        table = cohort_responses(frames)
        assert len(table) == len(
            table.drop_duplicates(
                ["patient_id", "therapy", "event", "start_date", "ref_id", "outcome"]
            )
        )
        assert (table.loc[table["assessable"], "reason"].isna()).all()
        assert table.loc[~table["assessable"], "reason"].notna().all()
        change = table["on_treatment_mean"] - table["baseline_mean"]
        assert np.allclose(table["change"].dropna(), change[table["change"].notna()])
        over = table[
            (table["therapy"] == "ivig")
            & (table["start_date"] <= pd.Timestamp(config.end_date) - pd.Timedelta(days=180))
        ]
        assessable += over.groupby(["patient_id", "start_date"])["assessable"].any().tolist()
    assert len(assessable) >= 3
    assert sum(assessable) > len(assessable) / 2
