"""Shared pieces of the effect estimators: the fitted result, day numbers and the t interval."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["NEVER", "EffectFit", "as_days", "not_estimable", "t_interval"]

NEVER = int(np.iinfo(np.int64).max)
"""The day number standing for a missing date (never reached)."""


@dataclass(frozen=True)
class EffectFit:
    """What an estimator found (wrapped into :class:`spsreg.analysis.effects.EffectEstimate`)."""

    estimate: float
    low: float
    high: float
    standard_error: float
    n_patients: int
    method: str
    reason: str | None = None
    details: Mapping[str, float | int | str] = field(default_factory=dict)
    per_patient: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)


def not_estimable(
    method: str,
    reason: str,
    details: Mapping[str, float | int | str],
    n_patients: int = 0,
    per_patient: pd.DataFrame | None = None,
) -> EffectFit:
    """A result without numbers: ``reason`` says in plain words what the data lack."""
    return EffectFit(
        estimate=math.nan,
        low=math.nan,
        high=math.nan,
        standard_error=math.nan,
        n_patients=n_patients,
        method=method,
        reason=reason,
        details=details,
        per_patient=per_patient if per_patient is not None else pd.DataFrame(),
    )


def t_interval(
    estimate: float, standard_error: float, df: int, level: float
) -> tuple[float, float]:
    """Two-sided ``level`` interval ``estimate -/+ t(df) * standard_error``."""
    quantile = float(stats.t.ppf(0.5 + level / 2.0, df))
    return estimate - quantile * standard_error, estimate + quantile * standard_error


def as_days(dates: pd.Series, missing: int = NEVER) -> np.ndarray:
    """Dates as whole days since 1970 (int64); a missing date (NaT) becomes ``missing``."""
    values = dates.to_numpy(dtype="datetime64[ns]")
    days = values.astype("datetime64[D]").astype(np.int64)
    result: np.ndarray = np.where(np.isnat(values), missing, days)
    return result
