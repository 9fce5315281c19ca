"""Between- and within-patient SD of an outcome from repeated measurements (one-way random effects).

The estimator is the one-way ANOVA method of moments over the patients with at least two
measurements (``k`` patients, ``N`` measurements, ``m_i`` per patient):

* within-patient variance ``s_w^2 = MSW = sum_i sum_j (y_ij - mean_i)^2 / (N - k)``,
* ``MSB = sum_i m_i (mean_i - grand mean)^2 / (k - 1)``,
  ``n0 = (N - sum_i m_i^2 / N) / (k - 1)``,
* between-patient variance ``s_b^2 = max(0, (MSB - MSW) / n0)``,
* SD of one measurement ``sqrt(s_b^2 + s_w^2)``.

Registry measurements span treatment changes and slow trends, so ``s_w`` also holds real change
over time: as a within-patient SD for a trial of a few months it errs on the large (conservative)
side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["VarianceComponents", "variance_components"]


@dataclass(frozen=True)
class VarianceComponents:
    patients: int
    measurements: int
    between_sd: float
    within_sd: float

    @property
    def sd(self) -> float:
        return math.sqrt(self.between_sd**2 + self.within_sd**2)

    def to_document(self) -> dict[str, Any]:
        return {
            "patients": self.patients,
            "measurements": self.measurements,
            "between_sd": self.between_sd,
            "within_sd": self.within_sd,
            "sd": self.sd,
        }


def variance_components(patients: Sequence[str], values: Sequence[float]) -> VarianceComponents:
    """Method-of-moments variance components of ``values`` grouped by ``patients`` (same length).

    Patients with a single measurement are left out; at least two patients with two or more
    measurements each, and some variation within patients, are needed.
    """
    if len(patients) != len(values):
        raise ValueError("patients and values must have the same length")
    codes, index = np.unique(np.asarray(patients, dtype=object).astype(str), return_inverse=True)
    y = np.asarray(values, dtype=float)
    counts = np.bincount(index, minlength=len(codes))
    keep = counts[index] >= 2
    index, y = np.unique(index[keep], return_inverse=True)[1], y[keep]
    counts = np.bincount(index)
    k, total = len(counts), int(counts.sum())
    if k < 2:
        raise ValueError("need at least two patients with two or more measurements each")
    means = np.bincount(index, weights=y) / counts
    msw = float(((y - means[index]) ** 2).sum()) / (total - k)
    if msw <= 0:
        raise ValueError("the measurements do not vary within patients")
    grand = float(y.mean())
    msb = float((counts * (means - grand) ** 2).sum()) / (k - 1)
    n0 = (total - float((counts**2).sum()) / total) / (k - 1)
    between = max(0.0, (msb - msw) / n0)
    return VarianceComponents(k, total, math.sqrt(between), math.sqrt(msw))
