"""An estimate with its uncertainty: the common result of every small-trial analysis.

A t-based estimate carries its degrees of freedom; a normal-based one (a random-effects pooled
effect) has ``df=None``. Intervals are two-sided at ``level`` and the p-value is two-sided, both
against a true difference of zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy import stats

__all__ = ["Estimate", "normal_estimate", "t_estimate"]


@dataclass(frozen=True)
class Estimate:
    """A difference (treatment minus control unless said otherwise) with its interval and test."""

    estimate: float
    se: float
    df: float | None
    ci_low: float
    ci_high: float
    p_value: float
    method: str

    def to_document(self) -> dict[str, Any]:
        return {
            "estimate": self.estimate,
            "se": self.se,
            "df": self.df,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "method": self.method,
        }


def t_estimate(estimate: float, se: float, df: float, method: str, level: float = 0.95) -> Estimate:
    """A t-based estimate: interval ``estimate ± t(df) · se`` and the two-sided t-test p-value."""
    quantile = float(stats.t.ppf(0.5 + level / 2.0, df))
    p_value = 2.0 * float(stats.t.sf(abs(estimate / se), df)) if se > 0 else _degenerate(estimate)
    return Estimate(
        estimate, se, df, estimate - quantile * se, estimate + quantile * se, p_value, method
    )


def normal_estimate(estimate: float, se: float, method: str, level: float = 0.95) -> Estimate:
    """A normal-based estimate: interval ``estimate ± z · se`` and the two-sided z-test p-value."""
    quantile = float(stats.norm.ppf(0.5 + level / 2.0))
    p_value = 2.0 * float(stats.norm.sf(abs(estimate / se))) if se > 0 else _degenerate(estimate)
    return Estimate(
        estimate, se, None, estimate - quantile * se, estimate + quantile * se, p_value, method
    )


def _degenerate(estimate: float) -> float:
    """The p-value when there is no variability at all: 1 for no difference, 0 otherwise."""
    return 1.0 if math.isclose(estimate, 0.0, abs_tol=1e-12) else 0.0
