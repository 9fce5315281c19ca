"""Parallel groups with baseline adjustment: analysis of covariance (ANCOVA).

The model is ``outcome = b0 + effect * treated + slope * baseline + error`` fitted by ordinary
least squares (statsmodels OLS); the treatment effect is the coefficient of ``treated``
(treatment minus control at the same baseline), tested with a t-test on ``n - 3`` degrees of
freedom. ANCOVA is the recommended analysis of a randomised trial with a baseline measurement: it
is unbiased under randomisation, and more precise than both the follow-up difference and the
change-score difference when baseline and outcome are correlated. The unadjusted difference of
follow-up means (pooled two-sample t-test, ``n - 2`` degrees of freedom) is reported alongside for
comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from spsreg.trials.estimates import Estimate, t_estimate

__all__ = ["GROUPS", "ParallelAnalysis", "ParallelSubject", "analyse_parallel"]

GROUPS = ("treatment", "control")


@dataclass(frozen=True)
class ParallelSubject:
    """One subject: ``group`` is ``treatment`` or ``control``; outcome at baseline and follow-up."""

    subject: str
    group: str
    baseline: float
    outcome: float

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"subject {self.subject}: group must be treatment or control")


@dataclass(frozen=True)
class ParallelAnalysis:
    """ANCOVA treatment effect, the unadjusted difference and the baseline slope."""

    n_treatment: int
    n_control: int
    adjusted: Estimate
    unadjusted: Estimate
    baseline_slope: float
    notes: tuple[str, ...]

    def to_document(self) -> dict[str, Any]:
        return {
            "n": self.n_treatment + self.n_control,
            "n_by_group": {"treatment": self.n_treatment, "control": self.n_control},
            "effect": self.adjusted.to_document(),
            "unadjusted": self.unadjusted.to_document(),
            "baseline_slope": self.baseline_slope,
            "notes": list(self.notes),
        }


def analyse_parallel(subjects: Sequence[ParallelSubject], level: float = 0.95) -> ParallelAnalysis:
    """Fit ``outcome ~ treated + baseline`` and ``outcome ~ treated`` (at least 2 per group and
    4 subjects in all, so that the ANCOVA has a residual degree of freedom)."""
    import statsmodels.api as sm

    treated = np.array([1.0 if s.group == "treatment" else 0.0 for s in subjects])
    n_treatment = int(treated.sum())
    n_control = len(subjects) - n_treatment
    if n_treatment < 2 or n_control < 2:
        raise ValueError("a parallel-group analysis needs at least two subjects in each group")
    baseline = np.array([s.baseline for s in subjects])
    outcome = np.array([s.outcome for s in subjects])
    if np.ptp(baseline) == 0:
        raise ValueError("every baseline is the same: the baseline cannot be adjusted for")
    design = np.column_stack([np.ones_like(treated), treated, baseline])
    fitted = sm.OLS(outcome, design).fit()
    adjusted = t_estimate(
        float(fitted.params[1]),
        float(fitted.bse[1]),
        float(fitted.df_resid),
        "ANCOVA: outcome ~ group + baseline (OLS)",
        level,
    )
    plain = sm.OLS(outcome, design[:, :2]).fit()
    unadjusted = t_estimate(
        float(plain.params[1]),
        float(plain.bse[1]),
        float(plain.df_resid),
        "difference of follow-up means (pooled t-test)",
        level,
    )
    notes = (
        "Effect = treatment minus control at the same baseline (ANCOVA); the unadjusted "
        "difference of follow-up means is shown for comparison only.",
    )
    return ParallelAnalysis(
        n_treatment, n_control, adjusted, unadjusted, float(fitted.params[2]), notes
    )
