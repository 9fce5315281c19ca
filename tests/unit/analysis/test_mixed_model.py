"""Mixed-effects outcome model: recovers a known exposure effect; bad fits are reported, not raised."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from frames_builders import (
    build_frames,
    course_row,
    outcome_row,
    patient_row,
    synthetic_frames,
    therapy_event_row,
)

from spsreg.analysis import mixed_model
from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.mixed_model import (
    COEFFICIENT_COLUMNS,
    exposure_indicators,
    fit_outcome_model,
)
from spsreg.analysis.settings import AnalysisSettings

IVIG_EFFECT = -1.5
PERM_EFFECT = 0.8
SLOPE_PER_YEAR = 0.3


def simulated_cohort(seed: int, patients: int = 60) -> CohortFrames:
    """Stiffness index = 3 + patient intercept + 0.3/year + 0.8 if PERM - 1.5 on IVIG + noise.

    Visits every 60 days (days 0..420); every second patient starts IVIG on day 240 (ongoing).
    """
    rng = np.random.default_rng(seed)
    patient_rows, outcome_rows, course_rows = [], [], []
    for index in range(patients):
        pid = f"p{index:03d}"
        phenotype = "perm" if index % 3 == 0 else "classic"
        patient_rows.append(patient_row(pid, phenotype=phenotype, follow_up_end=420))
        treated = index % 2 == 0
        if treated:
            course_rows.append(course_row(pid, f"{pid}-c1", "ivig", 240))
        intercept = rng.normal(0.0, 0.8)
        for visit in range(8):
            day = 60 * visit
            value = 3.0 + intercept + SLOPE_PER_YEAR * day / 365.25
            value += PERM_EFFECT * (phenotype == "perm") + IVIG_EFFECT * (treated and day >= 240)
            outcome_rows.append(
                outcome_row(pid, "stiffness_index", day, value + rng.normal(0.0, 0.4))
            )
    return build_frames(420, patients=patient_rows, outcomes=outcome_rows, courses=course_rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_known_exposure_effect_is_recovered_and_covered(seed: int) -> None:
    result = fit_outcome_model(simulated_cohort(seed))
    assert result.converged, result.warnings
    assert result.warnings == ()
    assert tuple(result.coefficients.columns) == COEFFICIENT_COLUMNS
    ivig = result.coefficient("ivig")
    assert ivig["estimate"] == pytest.approx(IVIG_EFFECT, abs=0.25)
    assert ivig["low"] < IVIG_EFFECT < ivig["high"]
    assert ivig["p"] < 0.001
    perm = result.coefficient("phenotype: perm (vs classic)")
    assert perm["low"] < PERM_EFFECT < perm["high"]
    years = result.coefficient("years")
    assert years["low"] < SLOPE_PER_YEAR < years["high"]
    assert (result.n_patients, result.n_observations) == (60, 480)
    assert result.exposures == ("ivig",)
    assert result.covariates == ("phenotype",)
    assert "gad65_status left out: the same for every patient" in result.notes
    assert result.patient_variance is not None and result.patient_variance > 0


def test_exposure_windows_of_courses_and_procedures() -> None:
    frames = build_frames(
        400,
        patients=[patient_row("p1", follow_up_end=400)],
        courses=[
            course_row("p1", "ivig1", "ivig", 10, 50, "ineffective"),
            course_row("p1", "rtx1", "rituximab", 100, 115, "course_completed"),
            course_row("p1", "pred", "corticosteroid", 300),
            course_row("p1", "dzp", "diazepam", 0, intent="symptomatic", route="oral"),
        ],
        therapy_events=[
            therapy_event_row("p1", "plasmapheresis", 200, "procedure_start", "pe1"),
            therapy_event_row("p1", "plasmapheresis", 208, "procedure_end", "pe1"),
        ],
    )
    days = [9, 10, 49, 50, 114, 115, 190, 191, 199, 200, 208, 209, 210, 300, 399]
    observations = pd.DataFrame(
        {
            "patient_id": "p1",
            "date": [pd.Timestamp("2022-01-01") + pd.Timedelta(days=d) for d in days],
        }
    )
    settings = AnalysisSettings(on_treatment_to_days=90, therapy_windows={"plasmapheresis": (1, 7)})
    active = exposure_indicators(observations, frames, settings)
    assert sorted(active.columns) == ["corticosteroid", "ivig", "plasmapheresis", "rituximab"]
    by_day = active.set_axis(days)
    # IVIG: active from its start up to (not including) its stop
    assert by_day["ivig"].to_dict() == {d: 10 <= d < 50 for d in days}
    # rituximab cycle given days 100-115 and completed: active to day 90 after its start
    assert by_day["rituximab"].to_dict() == {d: 100 <= d <= 190 for d in days}
    # plasmapheresis series 200-208, window to day 7: active through its last exchange day
    assert by_day["plasmapheresis"].to_dict() == {d: 200 <= d <= 208 for d in days}
    # ongoing corticosteroid: active from its start to the analysis date
    assert by_day["corticosteroid"].to_dict() == {d: d >= 300 for d in days}


def test_per_therapy_window_overrides_are_used() -> None:
    frames = build_frames(
        400,
        patients=[patient_row("p1")],
        therapy_events=[therapy_event_row("p1", "plasmapheresis", 0, "procedure_start", "pe1")],
    )
    observations = pd.DataFrame(
        {
            "patient_id": "p1",
            "date": [pd.Timestamp("2022-01-01") + pd.Timedelta(days=d) for d in (20, 21)],
        }
    )
    settings = AnalysisSettings(therapy_windows={"plasmapheresis": (1, 20)})
    assert exposure_indicators(observations, frames, settings)["plasmapheresis"].tolist() == [
        True,
        False,
    ]
    longer = AnalysisSettings(therapy_windows={"plasmapheresis": (1, 21)})
    assert exposure_indicators(observations, frames, longer)["plasmapheresis"].all()


def test_singular_fit_is_reported_not_raised() -> None:
    # one observation per patient: the patient variance cannot be told from the residual one
    rng = np.random.default_rng(5)
    patients = [patient_row(f"p{i}") for i in range(30)]
    outcomes = [
        outcome_row(f"p{i}", "stiffness_index", int(rng.integers(0, 300)), float(rng.normal(3, 1)))
        for i in range(30)
    ]
    result = fit_outcome_model(build_frames(patients=patients, outcomes=outcomes))
    assert result.converged is False
    assert any(text.startswith("ConvergenceWarning") for text in result.warnings)
    assert "years left out: collinear with the other terms" in result.notes
    json.dumps(result.to_document())


def test_constant_outcome_is_not_fitted() -> None:
    patients = [patient_row(f"p{i}") for i in range(4)]
    outcomes = [outcome_row(f"p{i}", "mrs", day, 2.0) for i in range(4) for day in (0, 90)]
    result = fit_outcome_model(build_frames(patients=patients, outcomes=outcomes), "mrs")
    assert result.converged is False
    assert result.warnings == ("mrs has the same value in every observation: nothing to model",)
    assert result.coefficients.empty
    assert tuple(result.coefficients.columns) == COEFFICIENT_COLUMNS


def test_too_few_observations_are_not_fitted() -> None:
    frames = build_frames(
        patients=[patient_row("p1")],
        outcomes=[
            outcome_row("p1", "stiffness_index", 0, 3.0),
            outcome_row("p1", "stiffness_index", 9, 4.0),
        ],
    )
    result = fit_outcome_model(frames)
    assert result.converged is False
    assert "too few observations" in result.warnings[0]
    assert (result.n_patients, result.n_observations) == (1, 2)


def test_an_optimizer_failure_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    class Failing:
        def fit(self, **_: Any) -> None:
            raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(mixed_model.smf, "mixedlm", lambda *a, **k: Failing())
    result = fit_outcome_model(simulated_cohort(1, patients=10))
    assert result.converged is False
    assert result.warnings == (
        "the model could not be fitted: "
        + "; ".join(
            f"{method} optimiser failed (LinAlgError: Singular matrix)"
            for method in mixed_model.FIT_METHODS
        ),
    )


def test_the_next_optimiser_is_tried_when_one_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """statsmodels raises a singular matrix from L-BFGS on some registries where BFGS converges."""
    real = mixed_model.smf.mixedlm

    class FirstFails:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.model = real(*args, **kwargs)

        def fit(self, **options: Any) -> Any:
            if options["method"] == mixed_model.FIT_METHODS[0]:
                raise np.linalg.LinAlgError("Singular matrix")
            return self.model.fit(**options)

    monkeypatch.setattr(mixed_model.smf, "mixedlm", FirstFails)
    result = fit_outcome_model(simulated_cohort(1, patients=30))
    assert result.converged is True and not result.coefficients.empty
    assert result.warnings[0] == "lbfgs optimiser failed (LinAlgError: Singular matrix)"


def test_exposures_identical_to_another_term_are_left_out() -> None:
    frames = simulated_cohort(4, patients=20)
    twin = frames.courses.assign(
        course_id=frames.courses["course_id"] + "-r",
        therapy="rituximab",
        chain_id=frames.courses["chain_id"] + "-r",
    )
    frames = replace(frames, courses=pd.concat([frames.courses, twin], ignore_index=True))
    result = fit_outcome_model(frames)
    assert "rituximab left out: collinear with the other terms" in result.notes
    assert "rituximab" not in set(result.coefficients["term"])


def test_synthetic_cohort_model_and_document() -> None:
    frames = synthetic_frames()
    result = fit_outcome_model(frames, "stiffness_index")
    observed = frames.outcomes.loc[frames.outcomes["outcome"] == "stiffness_index"]
    assert result.n_observations == len(observed)
    assert result.n_patients == observed["patient_id"].nunique()
    assert {"intercept", "years"} <= set(result.coefficients["term"])
    document = result.to_document()
    assert json.loads(json.dumps(document)) == document
    assert document["coefficients"][0]["term"] == "intercept"
    assert document["formula"].endswith("+ (1 | patient)")
