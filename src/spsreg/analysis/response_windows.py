"""Columnar window statistics over the outcomes frame (the engine of the response analysis).

Observations are indexed once: sorted by (patient, outcome, day) into one int64 key per row, so
the observations of any patient's outcome between two days are a contiguous slice found with two
binary searches. Counts, means and variances of many windows at once then come from cumulative
sums (of values centred on their patient-outcome mean, which keeps the variance accurate), and
"the first observation after X that meets Y" is found block by block, never row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "NAT_DAY",
    "ObservationIndex",
    "WindowStats",
    "change_interval",
    "day_numbers",
    "observation_index",
]

_BLOCK = 32


def day_numbers(values: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (int64) of datetime64 values; NaT becomes the int64 minimum."""
    array = np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]")
    return array.astype(np.int64)


NAT_DAY = np.datetime64("NaT").astype(np.int64)
"""The day number NaT becomes (compare with ``==``)."""


@dataclass(frozen=True)
class WindowStats:
    """Per-window observation count, mean and sample variance (NaN where undefined)."""

    n: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    lo: np.ndarray  # index of the window's first observation
    hi: np.ndarray  # index after its last observation


@dataclass(frozen=True)
class ObservationIndex:
    """Observations sorted by (patient, outcome, day), with cumulative sums for window statistics."""

    keys: np.ndarray
    days: np.ndarray
    values: np.ndarray
    patients: pd.Index
    outcomes: pd.Index
    centre: np.ndarray  # per group (patient x outcome): the mean its values are centred on
    csum: np.ndarray  # cumulative sums of centred values, length n + 1
    csum2: np.ndarray
    min_day: int
    stride: int

    def groups(self, patient_ids: np.ndarray, outcomes: np.ndarray) -> np.ndarray:
        """Group number of each (patient, outcome); -1 when it has no observation."""
        p = self.patients.get_indexer(pd.Index(patient_ids))
        o = self.outcomes.get_indexer(pd.Index(outcomes))
        return np.where((p >= 0) & (o >= 0), p * len(self.outcomes) + o, -1).astype(np.int64)

    def bounds(
        self, group: np.ndarray, first_day: np.ndarray, last_day: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Index slices [lo, hi) of each group's observations from first_day to last_day."""
        base = group * self.stride
        lo_off = np.clip(first_day - self.min_day, 0, self.stride - 1)
        hi_off = np.clip(last_day - self.min_day, -1, self.stride - 1)
        lo = np.searchsorted(self.keys, base + lo_off, side="left")
        hi = np.searchsorted(self.keys, base + hi_off, side="right")
        empty = (group < 0) | (last_day < first_day) | (hi < lo)
        hi = np.where(empty, lo, hi)
        return lo.astype(np.int64), hi.astype(np.int64)

    def window(self, group: np.ndarray, first_day: np.ndarray, last_day: np.ndarray) -> WindowStats:
        lo, hi = self.bounds(group, first_day, last_day)
        n = hi - lo
        s1 = self.csum[hi] - self.csum[lo]
        s2 = self.csum2[hi] - self.csum2[lo]
        if self.centre.size:
            centre = np.where(group >= 0, self.centre[np.maximum(group, 0)], np.nan)
        else:
            centre = np.full(len(group), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(n > 0, centre + s1 / n, np.nan)
            var = np.where(n > 1, np.maximum(s2 - s1 * s1 / n, 0.0) / (n - 1), np.nan)
        return WindowStats(n=n, mean=mean, var=var, lo=lo, hi=hi)

    def first_meeting(
        self, lo: np.ndarray, hi: np.ndarray, threshold: np.ndarray, *, at_most: bool
    ) -> np.ndarray:
        """Index of the first observation in [lo, hi) with value <= threshold (``at_most``) or
        >= threshold (otherwise); -1 when none does. Searched in blocks of observations."""
        found = np.full(len(lo), -1, dtype=np.int64)
        pending = np.flatnonzero(hi > lo)
        offset = 0
        while pending.size:
            steps = np.arange(_BLOCK, dtype=np.int64)
            index = lo[pending, None] + offset + steps[None, :]
            inside = index < hi[pending, None]
            values = self.values[np.minimum(index, len(self.values) - 1)]
            limit = threshold[pending, None]
            meets = inside & ((values <= limit) if at_most else (values >= limit))
            hit = meets.any(axis=1)
            found[pending[hit]] = index[hit, meets[hit].argmax(axis=1)]
            offset += _BLOCK
            pending = pending[~hit & (lo[pending] + offset < hi[pending])]
        return found


def change_interval(
    base: WindowStats, on: WindowStats, assessable: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Welch t interval of on-treatment mean - baseline mean, with the documented fallbacks."""
    nb, no = base.n.astype(np.float64), on.n.astype(np.float64)
    vb, vo = base.var, on.var
    with np.errstate(divide="ignore", invalid="ignore"):
        welch_se2 = vb / nb + vo / no
        welch_df = welch_se2**2 / ((vb / nb) ** 2 / (nb - 1) + (vo / no) ** 2 / (no - 1))
        only_base = (nb > 1) & (no == 1)
        only_on = (nb == 1) & (no > 1)
        se2 = np.where(
            only_base,
            vb * (1 / nb + 1 / no),
            np.where(only_on, vo * (1 / nb + 1 / no), welch_se2),
        )
        df = np.where(only_base, nb - 1, np.where(only_on, no - 1, welch_df))
    defined = assessable & ((nb > 1) | (no > 1))
    se = np.sqrt(np.where(defined, se2, np.nan))
    df = np.where(defined & (se > 0), df, 1.0)
    t = stats.t.ppf((1 + level) / 2, df)
    half = np.where(se > 0, t * se, 0.0)
    change = on.mean - base.mean
    low = np.where(defined, change - half, np.nan)
    high = np.where(defined, change + half, np.nan)
    return low, high


def _codes(
    patient_ids: np.ndarray, outcomes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Integer codes of patients and outcomes (and their names).

    A frame in its documented order (patients sorted, each patient's rows together) is coded from
    its runs, comparing neighbours only; any other order falls back to hashing every value.
    """
    n = len(patient_ids)
    if n > 1:
        patient_change = patient_ids[1:] != patient_ids[:-1]
        changes = np.flatnonzero(patient_change)
        if bool(np.all(patient_ids[changes + 1] > patient_ids[changes])):
            run = np.concatenate([[True], patient_change | (outcomes[1:] != outcomes[:-1])])
            run_starts = np.flatnonzero(run)
            lengths = np.diff(np.append(run_starts, n))
            run_outcomes, names = pd.factorize(outcomes[run_starts], sort=True)
            p_codes = np.cumsum(np.concatenate([[0], patient_change.astype(np.int64)]))
            patients = patient_ids[np.concatenate([[0], changes + 1])]
            return p_codes, patients, np.repeat(run_outcomes, lengths), np.asarray(names)
    p_codes, patients = pd.factorize(patient_ids)
    o_codes, names = pd.factorize(outcomes, sort=True)
    return p_codes, np.asarray(patients), o_codes, np.asarray(names)


def observation_index(outcomes: pd.DataFrame, as_of: date) -> ObservationIndex:
    """Index the outcomes frame (any row order; rows after ``as_of`` are ignored)."""
    days = day_numbers(outcomes["date"])
    keep = days <= np.datetime64(as_of, "D").astype(np.int64)
    values = outcomes["value"].to_numpy(dtype=np.float64)
    keep &= ~np.isnan(values) & (days != NAT_DAY)
    days, values = days[keep], values[keep]
    p_codes, patients, o_codes, names = _codes(
        outcomes["patient_id"].to_numpy()[keep], outcomes["outcome"].to_numpy()[keep]
    )
    n_outcomes = max(len(names), 1)
    group = p_codes.astype(np.int64) * n_outcomes + o_codes
    min_day = int(days.min()) if days.size else 0
    stride = (int(days.max()) - min_day + 2) if days.size else 2
    keys = group * stride + (days - min_day)
    if keys.size and not bool(np.all(keys[1:] >= keys[:-1])):
        order = np.argsort(keys, kind="stable")
        keys, days, values, group = keys[order], days[order], values[order], group[order]
    n_groups = len(patients) * n_outcomes
    counts = np.bincount(group, minlength=n_groups)
    sums = np.bincount(group, weights=values, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    centred = values - centre[group] if values.size else values
    zero = np.zeros(1)
    return ObservationIndex(
        keys=keys,
        days=days,
        values=values,
        patients=pd.Index(patients),
        outcomes=pd.Index(names),
        centre=centre,
        csum=np.concatenate([zero, np.cumsum(centred)]),
        csum2=np.concatenate([zero, np.cumsum(centred * centred)]),
        min_day=min_day,
        stride=stride,
    )
