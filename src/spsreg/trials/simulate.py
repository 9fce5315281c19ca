"""Vectorised simulation of small trials: K trials drawn at once as arrays, analysed in closed form.

Every function draws ``sims`` trials with one :class:`numpy.random.Generator` and returns a boolean
array: whether each trial rejects "no treatment effect" at two-sided level ``alpha``. There is no
per-trial Python loop; the test statistics are the same closed forms as the analyses
(:mod:`spsreg.trials.crossover`, :mod:`spsreg.trials.parallel`, :mod:`spsreg.trials.nof1`),
computed along an axis.

The outcome model (one measurement of one patient in one period) is
``y = patient level + treatment effect (when on treatment) + noise``, with the patient level
normal with SD ``between_sd`` and the noise normal with SD ``within_sd``; ``sd`` of a single
measurement is ``sqrt(between_sd^2 + within_sd^2)``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = ["simulate_crossover", "simulate_nof1", "simulate_parallel"]

Rejections = npt.NDArray[np.bool_]


def _pooled_two_groups(
    first: npt.NDArray[np.float64], second: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per-trial means of two groups (rows are trials) and the pooled within-group variance."""
    mean_1, mean_2 = first.mean(axis=1), second.mean(axis=1)
    squares = ((first - mean_1[:, None]) ** 2).sum(axis=1)
    squares += ((second - mean_2[:, None]) ** 2).sum(axis=1)
    return mean_1, mean_2, squares / (first.shape[1] + second.shape[1] - 2)


def simulate_crossover(
    rng: np.random.Generator,
    sims: int,
    n: int,
    effect: float,
    between_sd: float,
    within_sd: float,
    alpha: float,
) -> Rejections:
    """AB/BA crossovers of ``n`` subjects (``ceil(n/2)`` in AB), analysed by period differences."""
    n_ab = (n + 1) // 2
    level = between_sd * rng.standard_normal((sims, n, 1))
    noise = within_sd * rng.standard_normal((sims, n, 2))
    y = level + noise
    y[:, :n_ab, 0] += effect  # AB: A (treatment) in period 1
    y[:, n_ab:, 1] += effect  # BA: A in period 2
    d = y[:, :, 0] - y[:, :, 1]
    mean_ab, mean_ba, variance = _pooled_two_groups(d[:, :n_ab], d[:, n_ab:])
    se = np.sqrt(variance * (1.0 / n_ab + 1.0 / (n - n_ab))) / 2.0
    t = (mean_ab - mean_ba) / 2.0 / se
    result: Rejections = np.abs(t) > stats.t.ppf(1.0 - alpha / 2.0, n - 2)
    return result


def simulate_parallel(
    rng: np.random.Generator,
    sims: int,
    n: int,
    effect: float,
    between_sd: float,
    within_sd: float,
    alpha: float,
) -> Rejections:
    """Parallel trials of ``n`` subjects (``ceil(n/2)`` treated) with a baseline, by ANCOVA.

    The OLS fit of ``outcome ~ group + baseline`` in closed form: the slope from the pooled
    within-group sums of squares and products, the adjusted effect
    ``(y_T - y_C) - slope (x_T - x_C)``, its variance ``s^2 (1/n_T + 1/n_C + (x_T - x_C)^2 / Sxx)``
    on ``n - 3`` degrees of freedom.
    """
    n_t = (n + 1) // 2
    level = between_sd * rng.standard_normal((sims, n))
    x = level + within_sd * rng.standard_normal((sims, n))
    y = level + within_sd * rng.standard_normal((sims, n))
    y[:, :n_t] += effect
    groups = (slice(0, n_t), slice(n_t, n))
    x_means = [x[:, g].mean(axis=1) for g in groups]
    y_means = [y[:, g].mean(axis=1) for g in groups]
    xc = np.concatenate(
        [x[:, g] - m[:, None] for g, m in zip(groups, x_means, strict=True)], axis=1
    )
    yc = np.concatenate(
        [y[:, g] - m[:, None] for g, m in zip(groups, y_means, strict=True)], axis=1
    )
    sxx, sxy, syy = (xc * xc).sum(axis=1), (xc * yc).sum(axis=1), (yc * yc).sum(axis=1)
    slope = sxy / sxx
    gap = x_means[0] - x_means[1]
    adjusted = (y_means[0] - y_means[1]) - slope * gap
    residual = (syy - slope * sxy) / (n - 3)
    se = np.sqrt(residual * (1.0 / n_t + 1.0 / (n - n_t) + gap**2 / sxx))
    result: Rejections = np.abs(adjusted / se) > stats.t.ppf(1.0 - alpha / 2.0, n - 3)
    return result


def simulate_nof1(
    rng: np.random.Generator,
    sims: int,
    n: int,
    effect: float,
    within_sd: float,
    alpha: float,
    *,
    cycles: int,
    effect_sd: float,
) -> Rejections:
    """Series of ``n`` N-of-1 trials of ``cycles`` treatment/control pairs each, pooled by
    DerSimonian-Laird (normal-based test). A patient's true effect is ``effect`` plus a normal
    deviation with SD ``effect_sd``; the patient level cancels within a cycle."""
    true = effect + effect_sd * rng.standard_normal((sims, n, 1))
    noise = within_sd * rng.standard_normal((sims, n, cycles, 2))
    d = true + noise[..., 0] - noise[..., 1]
    y = d.mean(axis=2)
    v = d.var(axis=2, ddof=1) / cycles
    w = 1.0 / v
    sum_w = w.sum(axis=1)
    fixed = (w * y).sum(axis=1) / sum_w
    q = (w * (y - fixed[:, None]) ** 2).sum(axis=1)
    tau2 = np.maximum(0.0, (q - (n - 1)) / (sum_w - (w**2).sum(axis=1) / sum_w))
    w_random = 1.0 / (v + tau2[:, None])
    pooled = (w_random * y).sum(axis=1) / w_random.sum(axis=1)
    z = pooled * np.sqrt(w_random.sum(axis=1))
    result: Rejections = np.abs(z) > stats.norm.ppf(1.0 - alpha / 2.0)
    return result
