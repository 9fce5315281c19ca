"""Cohort treatment effects with confidence intervals, validated against the synthetic ground truth.

Two effects are estimated from what a registry records (the tidy frames of
:mod:`spsreg.analysis.frames`), not from any knowledge of how the data were made:

* :func:`ivig_effect_on_stiffness`: how much lower the stiffness index is while a patient receives
  IVIG than it would be off IVIG, in stiffness-index points, averaged over the IVIG-treated
  patients (each patient counts once). Visits every 3-6 months, rising stiffness over the years,
  dose changes of the symptomatic medicines and other immunotherapies are all allowed for; see
  :mod:`spsreg.analysis.effects_ivig`.
* :func:`plasmapheresis_benefit_duration`: how many days after the last exchange of a
  plasmapheresis series the relief lasts, from daily diaries, averaged over patients; see
  :mod:`spsreg.analysis.effects_plasmapheresis`.

Both are checked against the generator's ground truth over hundreds of seeded synthetic cohorts
(``tests/statistics``; docs/analysis.md ("Cohort treatment effects") gives the measured bias and coverage). An
estimate that the data cannot support comes back with NaN numbers and a plain-language ``reason``.
This is decision support: an estimate describes the recorded cohort, not a prescription.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from spsreg.analysis.effects_ivig import IvigEffectOptions, estimate_ivig_effect
from spsreg.analysis.effects_plasmapheresis import (
    PlasmapheresisOptions,
    estimate_benefit_duration,
)
from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings

__all__ = [
    "EffectEstimate",
    "IvigEffectOptions",
    "PlasmapheresisOptions",
    "ivig_effect_on_stiffness",
    "plasmapheresis_benefit_duration",
]


@dataclass(frozen=True)
class EffectEstimate:
    """A cohort effect with its confidence interval.

    ``estimate``, ``low`` and ``high`` are NaN (and ``reason`` says why) when the frames cannot
    support an estimate. ``n_patients`` counts the patients whose data entered the estimate;
    ``per_patient`` holds each one's own estimate (one row per patient) and ``details`` the counts
    and fitted quantities a reader needs to judge it (excluded patients, observations used, ...).
    """

    estimate: float
    low: float
    high: float
    n_patients: int
    method: str
    unit: str = ""
    standard_error: float = math.nan
    confidence_level: float = 0.95
    reason: str | None = None
    details: Mapping[str, float | int | str] = field(default_factory=dict)
    per_patient: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)

    @property
    def estimable(self) -> bool:
        """True when the frames supported an estimate."""
        return self.reason is None

    def to_document(self) -> dict[str, Any]:
        """The stable JSON form (NaN becomes null)."""

        def number(value: float) -> float | None:
            return None if math.isnan(value) else float(value)

        def cell(value: Any) -> Any:
            if isinstance(value, pd.Timestamp):
                return value.date().isoformat()
            if isinstance(value, float):
                return number(value)
            return None if value is pd.NaT else value

        rows = [
            {key: cell(value) for key, value in row.items()}
            for row in self.per_patient.to_dict(orient="records")
        ]
        return {
            "estimate": number(self.estimate),
            "low": number(self.low),
            "high": number(self.high),
            "standard_error": number(self.standard_error),
            "confidence_level": self.confidence_level,
            "unit": self.unit,
            "n_patients": self.n_patients,
            "method": self.method,
            "reason": self.reason,
            "details": {
                key: number(value) if isinstance(value, float) else value
                for key, value in self.details.items()
            },
            "per_patient": rows,
        }


def ivig_effect_on_stiffness(
    frames: CohortFrames,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
    *,
    options: IvigEffectOptions | None = None,
) -> EffectEstimate:
    """Mean reduction of the stiffness index (points) during IVIG exposure, IVIG-treated patients.

    The estimand is, for each IVIG-treated patient, the mean over the IVIG exposure period (first
    course to one dosing interval after the last) of the difference between the stiffness index
    the patient would have had without IVIG and the one they had; averaged over patients with
    visits both on and off IVIG. Positive values mean IVIG lowered stiffness.
    """
    options = options if options is not None else IvigEffectOptions()
    fit = estimate_ivig_effect(frames, options, settings)
    return EffectEstimate(
        estimate=fit.estimate,
        low=fit.low,
        high=fit.high,
        n_patients=fit.n_patients,
        method=fit.method,
        unit=f"{options.outcome} points",
        standard_error=fit.standard_error,
        confidence_level=settings.confidence_level,
        reason=fit.reason,
        details=fit.details,
        per_patient=fit.per_patient,
    )


def plasmapheresis_benefit_duration(
    frames: CohortFrames,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
    *,
    options: PlasmapheresisOptions | None = None,
) -> EffectEstimate:
    """Mean duration (days after the last exchange) of the diary relief after plasmapheresis.

    The estimand is, per patient, the number of days after the last exchange of a series until
    the relief ends (diary stiffness returns towards its level after the benefit), averaged over
    patients with diary entries around at least one series.
    """
    options = options if options is not None else PlasmapheresisOptions()
    fit = estimate_benefit_duration(frames, options, settings)
    return EffectEstimate(
        estimate=fit.estimate,
        low=fit.low,
        high=fit.high,
        n_patients=fit.n_patients,
        method=fit.method,
        unit="days",
        standard_error=fit.standard_error,
        confidence_level=settings.confidence_level,
        reason=fit.reason,
        details=fit.details,
        per_patient=fit.per_patient,
    )
