"""A series of N-of-1 trials pooled by a random-effects meta-analysis.

Each patient alternates treatment and control in ``m`` randomised pairs of periods (cycles). A
patient's effect is the mean of the within-cycle differences ``treatment - control`` and its
variance ``s^2 / m`` (``s^2`` the variance of the differences, so at least two cycles are needed).

The patients' effects are pooled with the DerSimonian-Laird random-effects model:

* fixed-effect weights ``w = 1/v``, fixed-effect mean ``sum(w y) / sum(w)``,
* Cochran's ``Q = sum(w (y - fixed)^2)`` on ``k - 1`` degrees of freedom,
* ``tau^2 = max(0, (Q - (k - 1)) / (sum(w) - sum(w^2) / sum(w)))`` (between-patient variance of
  the true effects), ``I^2 = max(0, (Q - (k - 1)) / Q)``,
* random-effects weights ``1 / (v + tau^2)``, pooled effect, normal-based interval and p-value,
* the prediction interval for a new patient's true effect: ``pooled ± t(k-2) sqrt(tau^2 + se^2)``
  (Higgins, Thompson & Spiegelhalter 2009; needs at least three patients).

With few cycles per patient the variances are poorly estimated and weights ``1/v`` are noisy:
the normal-based interval is then too narrow (the power simulation shows the type I error).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from spsreg.trials.estimates import Estimate, normal_estimate, t_estimate

__all__ = ["Nof1Analysis", "PatientEffect", "Pooled", "analyse_nof1", "dersimonian_laird"]


@dataclass(frozen=True)
class PatientEffect:
    """One patient's N-of-1 result: the mean within-cycle difference with its t interval."""

    patient: str
    cycles: int
    effect: Estimate

    @property
    def variance(self) -> float:
        return self.effect.se**2


@dataclass(frozen=True)
class Pooled:
    """Fixed-effect and DerSimonian-Laird random-effects pooling of per-patient effects."""

    fixed: Estimate
    random: Estimate
    q: float
    tau2: float
    i2: float
    prediction_low: float | None
    prediction_high: float | None


@dataclass(frozen=True)
class Nof1Analysis:
    patients: tuple[PatientEffect, ...]
    pooled: Pooled
    notes: tuple[str, ...]

    def to_document(self) -> dict[str, Any]:
        pooled = self.pooled
        return {
            "n": len(self.patients),
            "effect": pooled.random.to_document(),
            "fixed_effect": pooled.fixed.to_document(),
            "heterogeneity": {"q": pooled.q, "tau2": pooled.tau2, "i2": pooled.i2},
            "prediction_interval": None
            if pooled.prediction_low is None
            else {"low": pooled.prediction_low, "high": pooled.prediction_high},
            "patients": [
                {"patient": p.patient, "cycles": p.cycles, **p.effect.to_document()}
                for p in self.patients
            ],
            "notes": list(self.notes),
        }


def patient_effect(
    patient: str, differences: Sequence[float], level: float = 0.95
) -> PatientEffect:
    """The mean of one patient's within-cycle differences, variance ``s^2 / m``."""
    values = np.asarray(differences, dtype=float)
    if len(values) < 2:
        raise ValueError(f"patient {patient}: at least two cycles are needed for a variance")
    se = float(values.std(ddof=1)) / math.sqrt(len(values))
    if se == 0.0:
        raise ValueError(
            f"patient {patient}: every cycle gives the same difference, so the variance is zero"
        )
    effect = t_estimate(
        float(values.mean()), se, len(values) - 1.0, "mean of cycle differences", level
    )
    return PatientEffect(patient, len(values), effect)


def dersimonian_laird(
    effects: Sequence[float], variances: Sequence[float], level: float = 0.95
) -> Pooled:
    """Fixed-effect and DerSimonian-Laird pooling (formulas in the module docstring)."""
    y = np.asarray(effects, dtype=float)
    v = np.asarray(variances, dtype=float)
    k = len(y)
    if k < 2:
        raise ValueError("pooling needs at least two patients")
    w = 1.0 / v
    fixed_mean = float((w * y).sum() / w.sum())
    fixed = normal_estimate(
        fixed_mean, math.sqrt(1.0 / w.sum()), "fixed effect (inverse variance)", level
    )
    q = float((w * (y - fixed_mean) ** 2).sum())
    tau2 = max(0.0, (q - (k - 1)) / float(w.sum() - (w**2).sum() / w.sum()))
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    w_random = 1.0 / (v + tau2)
    random_mean = float((w_random * y).sum() / w_random.sum())
    random_se = math.sqrt(1.0 / w_random.sum())
    random = normal_estimate(random_mean, random_se, "random effects (DerSimonian-Laird)", level)
    low = high = None
    if k >= 3:
        half = float(stats.t.ppf(0.5 + level / 2.0, k - 2)) * math.sqrt(tau2 + random_se**2)
        low, high = random_mean - half, random_mean + half
    return Pooled(fixed, random, q, tau2, i2, low, high)


def analyse_nof1(
    cycles: Mapping[str, Sequence[tuple[float, float]]], level: float = 0.95
) -> Nof1Analysis:
    """Per-patient effects from ``(treatment, control)`` outcome pairs, pooled (>= 2 patients)."""
    patients = tuple(
        patient_effect(patient, [t - c for t, c in pairs], level)
        for patient, pairs in cycles.items()
    )
    pooled = dersimonian_laird(
        [p.effect.estimate for p in patients], [p.variance for p in patients], level
    )
    notes = [
        "Effect = treatment minus control; pooled by DerSimonian-Laird random effects "
        "(normal-based interval); the prediction interval is for a new patient's true effect."
    ]
    if min(p.cycles for p in patients) < 4:
        notes.append(
            "Some patients have fewer than 4 cycles: their variances are poorly estimated and "
            "the random-effects interval may be too narrow."
        )
    return Nof1Analysis(patients, pooled, tuple(notes))
