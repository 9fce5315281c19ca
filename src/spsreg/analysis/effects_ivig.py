"""The IVIG effect on a visit outcome (by default the stiffness index), within patients.

Design. Each IVIG-treated patient is compared with themself: visits during IVIG exposure (from
the first course to one dosing interval after the last course) against the patient's visits off
IVIG (before the first course, or after exposure ended). A fixed effect per patient and exposure
state absorbs everything constant about the patient. What changes over time is adjusted for with
coefficients shared by the whole cohort (never-treated patients help estimate them):

* time since the patient's first observation of the outcome, piecewise linear (knots in
  :class:`IvigEffectOptions`), for slow progression and benzodiazepine tolerance;
* the daily dose level of every other daily medicine in force at the visit (one indicator per
  level), for escalation of diazepam, baclofen and adjuncts before IVIG is tried;
* time since the first start of other immunotherapies and procedures given as administrations or
  procedures (rituximab, plasmapheresis, pump implant, ...), in bands, and a recent repeat.

A treatment started or changed on a visit day cannot yet act at that visit, so the regimen in force
at a visit is the one started before the visit day (a course stopped on the visit day still
counts). Each patient's effect is the mean residual off IVIG minus the mean residual on IVIG; the
cohort estimate averages patients with equal weight (a patient with many visits does not count
more). The interval treats patients as the independent units: each patient's influence is their
own effect's deviation plus the change of the shared adjustment when they are left out (see
:mod:`spsreg.analysis.effects_ivig_fit`), with a t quantile on (treated patients - 1) degrees of
freedom. The visit table and adjustment terms are built in :mod:`spsreg.analysis.effects_ivig_design`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from spsreg.analysis.effects_common import EffectFit, as_days, not_estimable, t_interval
from spsreg.analysis.effects_ivig_design import build_design
from spsreg.analysis.effects_ivig_fit import fit_within_patient
from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.settings import AnalysisSettings

__all__ = ["IvigEffectOptions", "estimate_ivig_effect", "ivig_exposure_windows"]


class IvigEffectOptions(BaseModel):
    """Choices of the IVIG effect analysis (each an analysis convention unless a source is named).

    ``default_interval_days``: 28, the 4-weekly IVIG course interval (Dalakas et al., NEJM 2001:
    monthly courses), used when a patient had a single course. ``max_interval_days``: a gap
    between courses longer than this (a missed course) is not taken as the dosing interval.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    outcome: str = "stiffness_index"
    therapy: str = "ivig"
    default_interval_days: int = Field(28, ge=1, le=365)
    max_interval_days: int = Field(42, ge=1, le=365)
    time_knots_years: tuple[float, ...] = (1.0, 2.0, 3.0)
    exposure_bands_days: tuple[int, int] = (60, 180)
    max_dose_levels: int = Field(8, ge=1, le=50)

    @model_validator(mode="after")
    def _check(self) -> IvigEffectOptions:
        near, far = self.exposure_bands_days
        if not 0 < near < far:
            raise ValueError("exposure_bands_days: need 0 < first band end < second band end")
        if list(self.time_knots_years) != sorted(set(self.time_knots_years)):
            raise ValueError("time_knots_years must increase")
        return self


def ivig_exposure_windows(
    events: pd.DataFrame, options: IvigEffectOptions, cycle_gap_days: int
) -> pd.DataFrame:
    """Per patient: first course, end of exposure and number of courses (index patient_id).

    Administrations at least ``cycle_gap_days`` apart start a new course (cycle). Exposure ends
    one dosing interval after the last course: the patient's last gap between courses when it is
    at most ``max_interval_days``, else ``default_interval_days``.
    """
    given = events.loc[
        (events["therapy"] == options.therapy) & (events["kind"] == "administration")
    ]
    if given.empty:
        return pd.DataFrame(
            {
                "first_course": pd.Series([], dtype="datetime64[ns]"),
                "window_end": pd.Series([], dtype="datetime64[ns]"),
                "courses": pd.Series([], dtype=int),
            },
            index=pd.Index([], dtype=object, name="patient_id"),
        )
    codes, patients = pd.factorize(given["patient_id"], sort=True)
    days = as_days(given["date"])
    order = np.lexsort((days, codes))
    codes, days = codes[order], days[order]
    new_patient = np.r_[True, codes[1:] != codes[:-1]]
    course = new_patient | (np.r_[0, np.diff(days)] >= cycle_gap_days)
    codes, days = codes[course], days[course]
    first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    last = np.r_[first[1:] - 1, len(codes) - 1].astype(int)
    courses = last - first + 1
    last_gap = np.where(courses > 1, days[last] - days[np.maximum(last - 1, 0)], -1)
    usable = (last_gap > 0) & (last_gap <= options.max_interval_days)
    interval = np.where(usable, last_gap, options.default_interval_days)
    epoch = np.datetime64("1970-01-01", "D")
    return pd.DataFrame(
        {
            "first_course": (epoch + days[first]).astype("datetime64[ns]"),
            "window_end": (epoch + days[last] + interval).astype("datetime64[ns]"),
            "courses": courses,
        },
        index=pd.Index(np.asarray(patients, dtype=object), name="patient_id"),
    )


def _method(options: IvigEffectOptions, level: float) -> str:
    knots = ", ".join(f"{k:g}" for k in options.time_knots_years)
    return (
        f"within-patient comparison of {options.outcome} at visits during IVIG exposure (first "
        "course to one dosing interval after the last) with the same patient's visits off IVIG; "
        "patient-by-exposure fixed effects; adjusted for time since first observation (piecewise "
        f"linear, knots at {knots} years), dose levels of other daily medicines and time since "
        "other immunotherapies and procedures; per-patient effects averaged with equal weight; "
        f"{level:.0%} t interval with patients as the independent units (leave-one-patient-out "
        "influence)"
    )


def estimate_ivig_effect(
    frames: CohortFrames, options: IvigEffectOptions, settings: AnalysisSettings
) -> EffectFit:
    """Fit the within-patient model and average the per-patient IVIG effects (see module doc)."""
    level = settings.confidence_level
    method = _method(options, level)
    windows = ivig_exposure_windows(frames.therapy_events, options, settings.cycle_gap_days)
    if windows.empty:
        return not_estimable(method, f"no patient has {options.therapy} administrations", {})
    design = build_design(
        frames.outcomes,
        frames.courses,
        frames.therapy_events,
        outcome=options.outcome,
        therapy=options.therapy,
        windows=windows,
        knots=options.time_knots_years,
        bands=options.exposure_bands_days,
        levels=options.max_dose_levels,
    )
    visits = design.visits
    if visits.empty:
        return not_estimable(method, f"no {options.outcome} observations", {})
    fit = fit_within_patient(visits, design.matrix)
    treated = fit.per_patient
    seen_on = set(visits.loc[visits["on"], "patient_id"])
    seen_off = set(visits.loc[~visits["on"], "patient_id"])
    ivig_patients = set(windows.index)
    details: dict[str, float | int | str] = {
        "patients_with_outcome": int(visits["patient_id"].nunique()),
        "patients_with_ivig": len(windows),
        "ivig_patients_without_visits_on_ivig": len(ivig_patients - seen_on),
        "ivig_patients_without_visits_off_ivig": len((ivig_patients & seen_on) - seen_off),
        "visits": len(visits),
        "visits_on_ivig": int(visits["on"].sum()),
        "adjustment_terms": len(design.names),
    }
    if len(treated) < 2:
        return not_estimable(
            method,
            f"fewer than 2 patients have {options.outcome} observations both on and off IVIG",
            details,
            n_patients=len(treated),
        )
    low, high = t_interval(fit.estimate, fit.standard_error, len(treated) - 1, level)
    per_patient = treated.join(windows[["first_course", "window_end", "courses"]], on="patient_id")
    return EffectFit(
        estimate=fit.estimate,
        low=low,
        high=high,
        standard_error=fit.standard_error,
        n_patients=len(treated),
        method=method,
        details=details,
        per_patient=per_patient.reset_index(drop=True),
    )
