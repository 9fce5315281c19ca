"""The 2x2 (AB/BA) crossover: treatment effect adjusted for period, period effect, carry-over.

Each subject is randomised to sequence ``AB`` (treatment A, the active treatment, in period 1 and
the comparator B in period 2) or ``BA``. The analysis is the standard within-subject one
(Hills & Armitage's analysis of period differences): with ``d = y1 - y2`` for each subject,

* treatment effect (A - B) ``= (mean d[AB] - mean d[BA]) / 2``,
* period effect (period 1 - period 2) ``= (mean d[AB] + mean d[BA]) / 2``,

both with standard error ``sqrt(s_d^2 (1/n_AB + 1/n_BA)) / 2``, where ``s_d^2`` is the pooled
within-sequence variance of ``d``, and a t-test on ``n_AB + n_BA - 2`` degrees of freedom. The
period adjustment is built in: a period effect adds to both sequences' mean differences and
cancels in the treatment contrast. Between-subject variation cancels too.

Carry-over (a first-order residual effect of A or B into period 2) is tested by comparing the
subject totals ``y1 + y2`` between sequences (a two-sample t-test). That test rests on
between-subject variation and has low power in small trials, so a non-significant result does not
show that there is no carry-over. Nor may it choose the analysis: the "two-stage procedure"
(Grizzle 1965: fall back to period-1 data when the carry-over test is significant) was shown by
Freeman (1989) to be biased, with an overall type I error of about 7-9.5% instead of 5%
(Senn, Pharmaceutical Statistics 2022;21(4):808-814, doi 10.1002/pst.2224). Carry-over is
prevented by design (an adequate washout, as in the IVIG crossover trial's one-month washout)
and the within-subject analysis is reported whatever the carry-over test says.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from spsreg.trials.estimates import Estimate, t_estimate

__all__ = ["CARRY_OVER_CAVEAT", "CrossoverAnalysis", "CrossoverSubject", "analyse_crossover"]

SEQUENCES = ("AB", "BA")

CARRY_OVER_CAVEAT = (
    "The carry-over test compares subject totals between sequences: it rests on between-subject "
    "variation and has low power in a small trial, so a non-significant result does not rule "
    "carry-over out. Do not use it to choose the analysis: the two-stage procedure (period-1 "
    "data only when carry-over is significant) is biased, with a type I error of about 7-9.5% "
    "instead of 5% (Freeman 1989; Senn 2022, doi 10.1002/pst.2224). Carry-over is handled by "
    "the design (washout); the within-subject treatment effect is the analysis."
)


@dataclass(frozen=True)
class CrossoverSubject:
    """One subject's outcomes: ``sequence`` is ``AB`` (A = active first) or ``BA``."""

    subject: str
    sequence: str
    period1: float
    period2: float

    def __post_init__(self) -> None:
        if self.sequence not in SEQUENCES:
            raise ValueError(f"subject {self.subject}: sequence must be AB or BA")


@dataclass(frozen=True)
class CrossoverAnalysis:
    """The within-subject analysis of a 2x2 crossover (see the module docstring)."""

    n_ab: int
    n_ba: int
    treatment: Estimate
    period: Estimate
    carry_over: Estimate
    notes: tuple[str, ...]

    def to_document(self) -> dict[str, Any]:
        return {
            "n": self.n_ab + self.n_ba,
            "n_by_sequence": {"AB": self.n_ab, "BA": self.n_ba},
            "effect": self.treatment.to_document(),
            "period_effect": self.period.to_document(),
            "carry_over": self.carry_over.to_document(),
            "notes": list(self.notes),
        }


def analyse_crossover(
    subjects: Sequence[CrossoverSubject], level: float = 0.95
) -> CrossoverAnalysis:
    """Treatment (A - B) and period effects from period differences, carry-over from totals.

    Needs at least two subjects in each sequence (the variances have ``n - 2`` degrees of freedom).
    """
    ab = [s for s in subjects if s.sequence == "AB"]
    ba = [s for s in subjects if s.sequence == "BA"]
    if len(ab) < 2 or len(ba) < 2:
        raise ValueError("a 2x2 crossover needs at least two subjects in each sequence (AB, BA)")
    d_ab = np.array([s.period1 - s.period2 for s in ab])
    d_ba = np.array([s.period1 - s.period2 for s in ba])
    t_ab = np.array([s.period1 + s.period2 for s in ab])
    t_ba = np.array([s.period1 + s.period2 for s in ba])
    df = float(len(ab) + len(ba) - 2)
    scale = math.sqrt(1.0 / len(ab) + 1.0 / len(ba))
    se_d = math.sqrt(_pooled_variance(d_ab, d_ba)) * scale / 2.0
    se_t = math.sqrt(_pooled_variance(t_ab, t_ba)) * scale
    mean_ab, mean_ba = float(d_ab.mean()), float(d_ba.mean())
    treatment = t_estimate(
        (mean_ab - mean_ba) / 2.0, se_d, df, "period differences t-test (A - B)", level
    )
    period = t_estimate(
        (mean_ab + mean_ba) / 2.0, se_d, df, "period differences t-test (period 1 - 2)", level
    )
    carry = t_estimate(
        float(t_ab.mean() - t_ba.mean()), se_t, df, "subject totals t-test (AB - BA)", level
    )
    notes = [CARRY_OVER_CAVEAT]
    if carry.p_value < 0.10:
        notes.append(
            f"The carry-over test gives p={carry.p_value:.3g}: review the washout and the "
            "period-by-period data; the treatment effect above is still the within-subject one."
        )
    return CrossoverAnalysis(len(ab), len(ba), treatment, period, carry, tuple(notes))


def _pooled_variance(first: np.ndarray, second: np.ndarray) -> float:
    """The pooled within-group variance of two samples (``n1 + n2 - 2`` degrees of freedom)."""
    squares = float(((first - first.mean()) ** 2).sum() + ((second - second.mean()) ** 2).sum())
    return squares / (len(first) + len(second) - 2)
