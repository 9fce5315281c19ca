"""Known answers of the cohort effect estimators on small hand-made frames.

The frames are noise-free: stiffness follows a known line in time, known dose effects and a known
IVIG effect per patient, and diaries follow a known relief of known duration. The estimators must
return these numbers exactly (the validation against the synthetic generator, with noise and
confounding, is in tests/statistics).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from frames_builders import (
    DAY0,
    build_frames,
    course_row,
    outcome_row,
    patient_row,
    therapy_event_row,
)
from pydantic import ValidationError
from scipy import stats

from spsreg.analysis.effects import (
    EffectEstimate,
    IvigEffectOptions,
    PlasmapheresisOptions,
    ivig_effect_on_stiffness,
    plasmapheresis_benefit_duration,
)
from spsreg.analysis.effects_ivig import ivig_exposure_windows
from spsreg.analysis.effects_ivig_design import build_design
from spsreg.analysis.effects_ivig_fit import fit_within_patient
from spsreg.analysis.settings import AnalysisSettings

VISIT_DAYS = range(0, 1081, 90)
IVIG_COURSES = range(400, 793, 28)  # last course day 792: exposure ends on day 820
DOSE_EFFECT = {10.0: 0.4, 20.0: 0.7}  # stiffness points lower on diazepam 10 / 20 mg a day


def _ivig_events(pid: str, courses: Sequence[int] = IVIG_COURSES) -> list[dict[str, Any]]:
    rows = []
    for start in courses:
        for offset in (0, 1):
            rows.append(therapy_event_row(pid, "ivig", start + offset, "administration", "c1"))
    return rows


def _diazepam(pid: str, change_day: int) -> list[dict[str, Any]]:
    first = course_row(
        pid, f"{pid}-dz1", "diazepam", 0, change_day, "dose_changed",
        intent="symptomatic", route="oral", daily_amount=10.0, amount_unit="mg",
    )  # fmt: skip
    second = course_row(
        pid, f"{pid}-dz2", "diazepam", change_day, None,
        intent="symptomatic", route="oral", daily_amount=20.0, amount_unit="mg",
        previous_course_id=f"{pid}-dz1",
    )  # fmt: skip
    return [first, second]


def _ivig_cohort(effects: dict[str, float], change_days: dict[str, int]) -> Any:
    """Visits every 90 days; stiffness = 3 + 0.3/year - dose effect - IVIG effect (exact)."""
    outcomes, events, courses = [], [], []
    for pid, change in change_days.items():
        courses += _diazepam(pid, change)
        if pid in effects:
            events += _ivig_events(pid)
        for t in VISIT_DAYS:
            # the regimen in force at a visit started before the visit day
            dose = 0.0 if t == 0 else (10.0 if t <= change else 20.0)
            on = pid in effects and IVIG_COURSES[0] <= t < IVIG_COURSES[-1] + 28
            value = 3.0 + 0.3 * t / 365.25 - DOSE_EFFECT.get(dose, 0.0)
            value -= effects[pid] if on else 0.0
            outcomes.append(outcome_row(pid, "stiffness_index", t, value))
    return build_frames(
        1200,
        patients=[patient_row(pid) for pid in change_days],
        outcomes=outcomes,
        courses=courses,
        therapy_events=events,
    )


CHANGES = {"p1": 180, "p2": 270, "p3": 90, "p4": 360, "u1": 270, "u2": 450, "u3": 630}


def test_a_common_ivig_effect_is_recovered_exactly_despite_trend_and_dose_changes() -> None:
    effects = dict.fromkeys(("p1", "p2", "p3", "p4"), 1.0)
    result = ivig_effect_on_stiffness(_ivig_cohort(effects, CHANGES))
    assert result.estimable and result.reason is None
    assert result.estimate == pytest.approx(1.0, abs=1e-9)
    assert result.low == pytest.approx(1.0, abs=1e-6)
    assert result.high == pytest.approx(1.0, abs=1e-6)
    assert result.n_patients == 4
    assert result.unit == "stiffness_index points"
    assert list(result.per_patient["visits_on"]) == [5, 5, 5, 5]  # days 450 ... 810
    assert list(result.per_patient["visits_off"]) == [8, 8, 8, 8]  # before 400 and after 820


def test_per_patient_effects_are_averaged_with_equal_weight() -> None:
    effects = {"p1": 2.0, "p2": 1.0, "p3": 0.5, "p4": 0.5}
    result = ivig_effect_on_stiffness(_ivig_cohort(effects, CHANGES))
    per_patient = dict(
        zip(result.per_patient["patient_id"], result.per_patient["effect"], strict=True)
    )
    assert per_patient == pytest.approx(effects, abs=1e-9)
    assert result.estimate == pytest.approx(1.0, abs=1e-9)
    # With exact adjustment terms the variance is the usual one of a mean.
    se = float(np.std(list(effects.values()), ddof=1) / 2.0)
    assert result.standard_error == pytest.approx(se, rel=1e-6)
    half = stats.t.ppf(0.975, 3) * se
    assert (result.low, result.high) == pytest.approx((1.0 - half, 1.0 + half), rel=1e-6)


def test_the_confidence_level_comes_from_the_settings() -> None:
    effects = {"p1": 2.0, "p2": 1.0, "p3": 0.5, "p4": 0.5}
    frames = _ivig_cohort(effects, CHANGES)
    wide = ivig_effect_on_stiffness(frames, AnalysisSettings(confidence_level=0.99))
    usual = ivig_effect_on_stiffness(frames)
    assert wide.confidence_level == 0.99
    assert wide.low < usual.low < usual.estimate < usual.high < wide.high


def test_a_dose_started_on_the_visit_day_does_not_count_at_that_visit() -> None:
    """Values were built with that convention; counting the new dose would break exactness."""
    effects = dict.fromkeys(("p1", "p2", "p3", "p4"), 1.0)
    changes = {pid: day - day % 90 for pid, day in CHANGES.items()}  # changes on visit days
    result = ivig_effect_on_stiffness(_ivig_cohort(effects, changes))
    assert result.estimate == pytest.approx(1.0, abs=1e-9)


def test_other_immunotherapies_are_adjusted_for_by_time_since_their_start() -> None:
    """Rituximab lowers stiffness by known amounts in each band after its first infusion."""
    effects = {"p1": 2.0, "p2": 1.0, "p3": 0.5, "p4": 0.5}
    frames = _ivig_cohort(effects, CHANGES)
    first_infusion = {"p1": 850, "p2": 860, "u1": 300, "u2": 500, "u3": 700}
    outcomes = frames.outcomes.copy()
    day_of = (outcomes["date"] - pd.Timestamp(DAY0)).dt.days
    for pid, start in first_infusion.items():
        since = day_of - start
        for (low, high), lower_by in zip(
            ((0, 60), (60, 180), (180, 10_000)), (0.2, 0.5, 0.8), strict=True
        ):
            mine = (outcomes["patient_id"] == pid) & (since > low) & (since <= high)
            outcomes.loc[mine, "value"] -= lower_by
    infusions = build_frames(
        therapy_events=[
            therapy_event_row(pid, "rituximab", day, "administration", f"{pid}-rtx")
            for pid, start in first_infusion.items()
            for day in (start, start + 14)
        ]
    ).therapy_events
    events = pd.concat([frames.therapy_events, infusions], ignore_index=True)
    result = ivig_effect_on_stiffness(
        dataclasses.replace(frames, outcomes=outcomes, therapy_events=events)
    )
    per_patient = dict(
        zip(result.per_patient["patient_id"], result.per_patient["effect"], strict=True)
    )
    assert per_patient == pytest.approx(effects, abs=1e-9)


def test_many_dose_levels_are_grouped_into_bands() -> None:
    doses = [5.0, 10.0, 15.0, 20.0, 25.0, 30.0]
    courses = [
        course_row(
            "a", f"a-{k}", "diazepam", 30 * k, 30 * (k + 1), "dose_changed",
            intent="symptomatic", route="oral", daily_amount=dose, amount_unit="mg",
        )
        for k, dose in enumerate(doses)
    ] + [course_row("a", "a-x", "gabapentin", 0, intent="symptomatic", route="oral")]  # fmt: skip
    frames = build_frames(
        400,
        patients=[patient_row("a")],
        outcomes=[outcome_row("a", "stiffness_index", 30 * k + 15, 3.0) for k in range(6)],
        courses=courses,
    )
    options = IvigEffectOptions(max_dose_levels=3)
    design = build_design(
        frames.outcomes,
        frames.courses,
        frames.therapy_events,
        outcome="stiffness_index",
        therapy="ivig",
        windows=ivig_exposure_windows(frames.therapy_events, options, 7),
        knots=options.time_knots_years,
        bands=options.exposure_bands_days,
        levels=options.max_dose_levels,
    )
    names = [name for name in design.names if name.startswith("diazepam")]
    assert names == ["diazepam dose band 1", "diazepam dose band 2", "diazepam dose band 3"]
    bands = design.matrix[:, [design.names.index(name) for name in names]]
    assert bands.sum(axis=1).tolist() == [1.0] * 6  # every visit in exactly one band
    unknown = design.matrix[:, design.names.index("gabapentin (dose not computable)")]
    assert unknown.tolist() == [1.0] * 6


def test_ivig_without_outcome_observations_is_not_estimable() -> None:
    frames = build_frames(patients=[patient_row("a")], therapy_events=_ivig_events("a"))
    result = ivig_effect_on_stiffness(frames)
    assert result.reason == "no stiffness_index observations"
    with pytest.raises(ValidationError):
        IvigEffectOptions(outcome_name="stiffness_index")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="exposure_bands_days"):
        IvigEffectOptions(exposure_bands_days=(180, 60))


def test_exposure_windows_follow_the_courses() -> None:
    events = build_frames(
        therapy_events=[
            *_ivig_events("a", range(0, 57, 28)),  # 3 courses, 4-weekly
            *_ivig_events("b", range(100, 101)),  # a single course
            *_ivig_events("c", range(0, 100, 42)),  # 6-weekly
            *_ivig_events("d", (0, 28, 84)),  # a missed course: gap 56
        ]
    ).therapy_events
    windows = ivig_exposure_windows(events, IvigEffectOptions(), cycle_gap_days=7)
    ends = (windows["window_end"] - windows["first_course"]).dt.days.to_dict()
    assert ends == {"a": 56 + 28, "b": 28, "c": 84 + 42, "d": 84 + 28}
    assert windows["courses"].to_dict() == {"a": 3, "b": 1, "c": 3, "d": 3}


def test_ivig_not_estimable_without_treated_patients_or_with_one() -> None:
    none = ivig_effect_on_stiffness(_ivig_cohort({}, CHANGES))
    assert not none.estimable and math.isnan(none.estimate)
    assert none.reason == "no patient has ivig administrations"
    one = ivig_effect_on_stiffness(_ivig_cohort({"p1": 1.0}, CHANGES))
    assert one.reason is not None and one.reason.startswith("fewer than 2 patients")
    assert one.n_patients == 1 and math.isnan(one.low)


def test_the_variance_adds_each_patients_leave_one_out_influence() -> None:
    """Own deviation (treated) plus the shift of the adjustment when the patient is left out."""
    rng = np.random.default_rng(7)
    rows, matrix = [], []
    for p in range(12):
        n = int(rng.integers(3, 9))
        for j in range(n):
            on = j >= n // 2 and p < 8
            rows.append({"patient_id": f"p{p:02d}", "value": rng.normal() + on, "on": on})
            matrix.append([j / 3, float(rng.random() < 0.3), float(p == 3 and j == 1)])
    visits, full = pd.DataFrame(rows), np.array(matrix)
    # A term seen in one patient only cannot be estimated without them: the variance stays finite.
    assert math.isfinite(fit_within_patient(visits, full).standard_error)
    x = full[:, :2]
    fit = fit_within_patient(visits, x)
    beta = np.nan_to_num(fit.coefficients)
    gaps = []
    for patient in fit.per_patient["patient_id"]:
        mine = (visits["patient_id"] == patient).to_numpy()
        state = visits["on"].to_numpy()
        gaps.append(x[mine & ~state].mean(axis=0) - x[mine & state].mean(axis=0))
    mean_gap = np.mean(gaps, axis=0)
    influence = []
    for patient in sorted(visits["patient_id"].unique()):
        keep = (visits["patient_id"] != patient).to_numpy()
        refit = fit_within_patient(visits.loc[keep].reset_index(drop=True), x[keep])
        shift = float((np.nan_to_num(refit.coefficients) - beta) @ mean_gap)
        own = fit.per_patient.loc[fit.per_patient["patient_id"] == patient, "effect"]
        influence.append(shift + (float(own.iloc[0]) - fit.estimate) / 8 if len(own) else shift)
    expected = math.sqrt(8 / 7 * float(np.square(influence).sum()))
    assert fit.standard_error == pytest.approx(expected, rel=1e-9)
    assert np.isnan(fit.coefficients).sum() == 0


# --- plasmapheresis --------------------------------------------------------------------------
FIRST, LAST = 100, 108  # five exchanges every other day


def _relief(days_after_last: np.ndarray, duration: int, tau: float) -> np.ndarray:
    after = days_after_last - duration
    if tau == 0:
        return (after < 0).astype(float)
    return np.where(after < 0, 1.0, np.exp(-np.maximum(after, 0) / tau))


def _plex_cohort(
    durations: dict[str, int],
    *,
    tau: float = 0.0,
    with_end: bool = True,
    extra_courses: tuple[dict[str, Any], ...] = (),
    diary_every: int = 1,
) -> Any:
    outcomes, events = [], []
    for pid, duration in durations.items():
        events.append(therapy_event_row(pid, "plasmapheresis", FIRST, "procedure_start", pid))
        if with_end:
            events.append(therapy_event_row(pid, "plasmapheresis", LAST, "procedure_end", pid))
        days = np.arange(40, 260, diary_every)
        level = 6.0 - 2.0 * _relief(days - LAST, duration, tau) * (days >= FIRST)
        outcomes += [
            outcome_row(pid, "diary_stiffness", int(d), float(v), "diary")
            for d, v in zip(days, level, strict=True)
        ]
    return build_frames(
        400,
        patients=[patient_row(pid) for pid in durations],
        outcomes=outcomes,
        therapy_events=events,
        courses=list(extra_courses),
    )


def test_relief_durations_are_recovered_exactly() -> None:
    durations = {"a": 10, "b": 20, "c": 30}
    result = plasmapheresis_benefit_duration(_plex_cohort(durations))
    assert result.estimable
    found = dict(
        zip(result.per_patient["patient_id"], result.per_patient["duration_days"], strict=True)
    )
    assert found == durations
    assert result.estimate == 20.0 and result.unit == "days"
    se = 10.0 / math.sqrt(3)
    assert result.standard_error == pytest.approx(se)
    half = stats.t.ppf(0.975, 2) * se
    assert (result.low, result.high) == pytest.approx((20.0 - half, 20.0 + half))
    assert result.details["fade_time_constant_days"] == 0.0


def test_a_gradual_return_is_fitted_with_its_time_constant() -> None:
    durations = {"a": 14, "b": 21, "c": 35}
    result = plasmapheresis_benefit_duration(_plex_cohort(durations, tau=2.0))
    found = dict(
        zip(result.per_patient["patient_id"], result.per_patient["duration_days"], strict=True)
    )
    assert found == durations
    assert result.details["fade_time_constant_days"] == 2.0
    # Fitting a step instead overstates every duration.
    step = PlasmapheresisOptions(fade_time_constants_days=(0.0,))
    stepped = plasmapheresis_benefit_duration(_plex_cohort(durations, tau=2.0), options=step)
    assert all(stepped.per_patient["duration_days"] > result.per_patient["duration_days"])


def test_series_without_an_end_date_or_enough_diary_are_not_assessable() -> None:
    no_end = plasmapheresis_benefit_duration(_plex_cohort({"a": 10, "b": 20}, with_end=False))
    assert no_end.reason == "no plasmapheresis series has diary_stiffness entries around it"
    assert no_end.details["series_without_end_date"] == 2
    sparse = plasmapheresis_benefit_duration(_plex_cohort({"a": 10, "b": 20}, diary_every=9))
    assert sparse.details["series_assessable"] == 0 and not sparse.estimable
    one = plasmapheresis_benefit_duration(_plex_cohort({"a": 10}))
    assert one.reason == "fewer than 2 patients have an assessable series"
    assert one.n_patients == 1 and list(one.per_patient["duration_days"]) == [10.0]
    nothing = plasmapheresis_benefit_duration(build_frames())
    assert nothing.reason == "no plasmapheresis series recorded"


def test_the_window_ends_before_the_next_treatment_change() -> None:
    """A drug started 40 days after the last exchange lowers the diary; it is not relief."""
    durations = {"a": 10, "b": 20}
    frames = _plex_cohort(durations)
    outcomes = frames.outcomes.copy()
    later = (outcomes["date"] - pd.Timestamp("2022-01-01")).dt.days > LAST + 40
    outcomes.loc[later, "value"] -= 2.0
    starts = [
        course_row(pid, f"{pid}-gb", "gabapentin", LAST + 40, intent="symptomatic", route="oral")
        for pid in durations
    ]
    changed = dataclasses.replace(
        frames, outcomes=outcomes, courses=build_frames(courses=starts).courses
    )
    result = plasmapheresis_benefit_duration(changed)
    found = dict(
        zip(result.per_patient["patient_id"], result.per_patient["duration_days"], strict=True)
    )
    assert found == durations


def test_estimates_have_a_stable_json_form() -> None:
    result = plasmapheresis_benefit_duration(_plex_cohort({"a": 10, "b": 20}))
    document = json.loads(json.dumps(result.to_document()))
    assert document["estimate"] == 15.0 and document["unit"] == "days"
    assert document["per_patient"][0] == {
        "patient_id": "a",
        "series": 1,
        "diary_entries": document["per_patient"][0]["diary_entries"],
        "duration_days": 10.0,
    }
    ivig = ivig_effect_on_stiffness(_ivig_cohort({"p1": 1.0, "p2": 1.0}, CHANGES))
    rows = json.loads(json.dumps(ivig.to_document()))["per_patient"]
    assert rows[0] == {
        "patient_id": "p1",
        "visits_on": 5,
        "visits_off": 8,
        "effect": pytest.approx(1.0),
        "first_course": "2023-02-05",
        "window_end": "2024-03-31",
        "courses": 15,
    }
    missing = ivig_effect_on_stiffness(build_frames()).to_document()
    assert (
        missing["estimate"] is None and missing["reason"] == "no patient has ivig administrations"
    )
    assert isinstance(ivig_effect_on_stiffness(build_frames()), EffectEstimate)
