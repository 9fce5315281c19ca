"""Wearing-off within the cycles of a periodic therapy (IVIG: is the last week of a cycle worse?).

A cycle starts at an administration that follows the previous one by ``cycle_gap_days`` or more
(the days of one IVIG course, given on consecutive days, form one cycle) and ends the day before
the next cycle starts; the last cycle, whose end is not known, is not used. For each cycle the
outcome's mean in its early part (days ``wearing_off_early_days`` after the cycle start, upper
bound excluded) is compared with its mean in its last ``wearing_off_late_days`` days. A cycle too
short for both parts without overlap, or without an observation in either part, is left out.
``difference`` = late mean - early mean: positive means worse at the end of the cycle (all
outcomes are lower-is-better), the pattern of wearing-off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spsreg.analysis.response_windows import ObservationIndex
from spsreg.analysis.settings import AnalysisSettings

__all__ = ["WearingOff", "cycle_starts", "wearing_off_arrays"]


@dataclass(frozen=True)
class WearingOff:
    """Mean outcome early and late in the cycles (means of per-cycle means) and their difference."""

    early_mean: float
    late_mean: float
    difference: float
    cycles: int

    def to_document(self) -> dict[str, float | int]:
        return {
            "early_mean": self.early_mean,
            "late_mean": self.late_mean,
            "difference": self.difference,
            "cycles": self.cycles,
        }


def cycle_starts(administration_days: np.ndarray, gap_days: int) -> np.ndarray:
    """First day of each cycle, from the (day-number) dates of the administrations."""
    days = np.unique(administration_days)
    if days.size == 0:
        return days
    new = np.concatenate([[True], np.diff(days) >= gap_days])
    starts: np.ndarray = days[new]
    return starts


def wearing_off_arrays(
    index: ObservationIndex,
    group: np.ndarray,
    cycle_owner: np.ndarray,
    cycle_first: np.ndarray,
    cycle_next: np.ndarray,
    settings: AnalysisSettings,
) -> dict[str, np.ndarray]:
    """Wearing-off of many (patient outcome) series at once.

    ``cycle_owner[j]`` is the series (an index into ``group``) that cycle j, from day
    ``cycle_first[j]`` to the day before ``cycle_next[j]``, belongs to. Returns per series the
    arrays ``early``, ``late``, ``difference`` (NaN without a usable cycle) and ``cycles``.
    """
    n = len(group)
    early_from, early_to = settings.wearing_off_early_days
    late = settings.wearing_off_late_days
    usable = cycle_next - late >= cycle_first + early_to
    owner, first, following = cycle_owner[usable], cycle_first[usable], cycle_next[usable]
    series = group[owner]
    early_part = index.window(series, first + early_from, first + early_to - 1)
    late_part = index.window(series, following - late, following - 1)
    both = (early_part.n > 0) & (late_part.n > 0)
    cycles = np.bincount(owner[both], minlength=n).astype(np.float64)
    early_sum = np.bincount(owner[both], weights=early_part.mean[both], minlength=n)
    late_sum = np.bincount(owner[both], weights=late_part.mean[both], minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        early_mean = np.where(cycles > 0, early_sum / cycles, np.nan)
        late_mean = np.where(cycles > 0, late_sum / cycles, np.nan)
    return {
        "early": early_mean,
        "late": late_mean,
        "difference": late_mean - early_mean,
        "cycles": np.where(cycles > 0, cycles, np.nan),
    }
