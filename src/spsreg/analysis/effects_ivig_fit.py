"""The within-patient least-squares fit behind the IVIG effect, and its patient-level variance.

Model: ``y = a(patient, on) + X b + e``, where ``a`` is one fixed effect per patient and exposure
state (on or off the therapy) and ``X`` holds the shared adjustment terms. ``b`` is estimated from
the variation inside those cells (every patient's visits contribute, treated or not). A patient
with visits in both states has the effect ``(mean off - mean on)`` of ``y - X b``: the difference
of the two cell effects. The cohort estimate is the plain mean of these per-patient effects.

Variance: patients are the independent units (a patient's visits are not). Each patient's
influence on the estimate is their own effect's deviation from the mean (treated patients) plus
the change of the shared adjustment when the patient is left out (every patient; computed exactly
with the leave-one-cluster-out identity of least squares, as in a jackknife, so that a patient
with unusual data is not under-weighted). The variance is the sum of squared influences times
``n / (n - 1)`` (n treated patients), which for exact adjustment terms is the usual standard error
of a mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["WithinPatientFit", "fit_within_patient"]

_RCOND = 1e-10


@dataclass(frozen=True)
class WithinPatientFit:
    """Mean per-patient effect, its standard error, the per-patient rows and the coefficients.

    ``coefficients`` has one entry per column of the adjustment matrix (NaN for a column that
    does not vary within any patient's cell, so that it cannot be estimated).
    """

    estimate: float
    standard_error: float
    per_patient: pd.DataFrame  # patient_id, visits_on, visits_off, effect
    coefficients: np.ndarray


def _cell_sums(codes: np.ndarray, values: np.ndarray, cells: int) -> np.ndarray:
    sums = np.zeros((cells, values.shape[1]))
    np.add.at(sums, codes, values)
    return sums


def _leave_one_out(
    a: np.ndarray, residuals: np.ndarray, inverse: np.ndarray, codes: np.ndarray, n_patients: int
) -> np.ndarray:
    """Change of the coefficients when each patient is left out: -G^+ A_p' (I - H_pp)^+ e_p.

    Patients with the same number of rows are handled together (one batched solve per size).
    """
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_patients + 1))
    sizes = np.diff(bounds)
    change = np.zeros((n_patients, a.shape[1]))
    for size in np.unique(sizes[sizes > 0]):
        group = np.flatnonzero(sizes == size)
        rows = order[bounds[group][:, None] + np.arange(size)[None, :]]
        a_g = a[rows]  # (patients, rows, terms)
        leverage = a_g @ inverse @ a_g.transpose(0, 2, 1)
        released = np.linalg.pinv(np.eye(size) - leverage, rcond=_RCOND, hermitian=True)
        shift = released @ residuals[rows][:, :, None]
        change[group] = -(a_g.transpose(0, 2, 1) @ shift)[:, :, 0] @ inverse
    return change


def fit_within_patient(visits: pd.DataFrame, matrix: np.ndarray) -> WithinPatientFit:
    """Fit on ``visits`` (patient_id, value, on) with adjustment ``matrix`` (one row per visit)."""
    codes, patients = pd.factorize(visits["patient_id"], sort=True)
    on = visits["on"].to_numpy(dtype=bool)
    n_patients = len(patients)
    cell = codes * 2 + on.astype(int)
    counts = np.bincount(cell, minlength=2 * n_patients).astype(float)
    both = np.column_stack([visits["value"].to_numpy(dtype=float), matrix])
    cell_means = _cell_sums(cell, both, 2 * n_patients) / np.maximum(counts, 1.0)[:, None]
    centred = both - cell_means[cell]
    keep = np.abs(centred[:, 1:]).max(axis=0, initial=0.0) > 1e-9
    a, yc = centred[:, 1:][:, keep], centred[:, 0]
    inverse = np.linalg.pinv(a.T @ a, rcond=_RCOND, hermitian=True)
    beta = inverse @ (a.T @ yc)
    coefficients = np.full(matrix.shape[1], np.nan)
    coefficients[keep] = beta

    visits_on, visits_off = counts[1::2], counts[0::2]
    treated = (visits_on > 0) & (visits_off > 0)
    # Per patient: d = mean y off - mean y on, g = mean X off - mean X on.
    kept_means = cell_means[:, 1:][:, keep]
    d = np.where(treated, cell_means[0::2, 0] - cell_means[1::2, 0], 0.0)
    g = np.where(treated[:, None], kept_means[0::2] - kept_means[1::2], 0.0)
    effects = d - g @ beta
    n_treated = int(treated.sum())
    per_patient = pd.DataFrame(
        {
            "patient_id": np.asarray(patients, dtype=object)[treated],
            "visits_on": visits_on[treated].astype(int),
            "visits_off": visits_off[treated].astype(int),
            "effect": effects[treated],
        }
    )
    if n_treated < 2:
        estimate = float(effects[treated].mean()) if n_treated else float("nan")
        return WithinPatientFit(estimate, float("nan"), per_patient, coefficients)
    estimate = float(effects[treated].mean())
    change = _leave_one_out(a, yc - a @ beta, inverse, codes, n_patients)
    influence = np.where(treated, (effects - estimate) / n_treated, 0.0)
    influence += change @ g[treated].mean(axis=0)
    variance = n_treated / (n_treated - 1) * float(influence @ influence)
    return WithinPatientFit(estimate, float(np.sqrt(variance)), per_patient, coefficients)
