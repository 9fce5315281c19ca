"""ANCOVA against a direct numpy least-squares solution."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from spsreg.trials.parallel import ParallelSubject, analyse_parallel

ROWS = [
    ("P1", "treatment", 4.0, 2.0),
    ("P2", "treatment", 5.0, 4.0),
    ("P3", "treatment", 3.0, 2.0),
    ("P4", "control", 4.0, 4.0),
    ("P5", "control", 2.0, 3.0),
    ("P6", "control", 5.0, 5.0),
]
SUBJECTS = [ParallelSubject(*row) for row in ROWS]


def test_ancova_matches_least_squares_by_hand() -> None:
    treated = np.array([1.0 if r[1] == "treatment" else 0.0 for r in ROWS])
    x = np.column_stack([np.ones(6), treated, [r[2] for r in ROWS]])
    y = np.array([r[3] for r in ROWS])
    beta = np.linalg.solve(x.T @ x, x.T @ y)
    residual = y - x @ beta
    s2 = float(residual @ residual) / (6 - 3)
    se = float(np.sqrt(s2 * np.linalg.inv(x.T @ x)[1, 1]))
    result = analyse_parallel(SUBJECTS)
    assert result.adjusted.estimate == pytest.approx(beta[1])
    assert result.baseline_slope == pytest.approx(beta[2])
    assert result.adjusted.se == pytest.approx(se)
    assert result.adjusted.df == 3
    assert result.adjusted.p_value == pytest.approx(2 * stats.t.sf(abs(beta[1]) / se, 3))
    half = stats.t.ppf(0.975, 3) * se
    assert (result.adjusted.ci_low, result.adjusted.ci_high) == pytest.approx(
        (beta[1] - half, beta[1] + half)
    )


def test_unadjusted_difference_is_the_pooled_t_test() -> None:
    result = analyse_parallel(SUBJECTS)
    treated = [r[3] for r in ROWS if r[1] == "treatment"]
    control = [r[3] for r in ROWS if r[1] == "control"]
    assert result.unadjusted.estimate == pytest.approx(np.mean(treated) - np.mean(control))
    assert result.unadjusted.p_value == pytest.approx(stats.ttest_ind(treated, control).pvalue)
    assert result.unadjusted.df == 4


def test_adjustment_removes_a_baseline_imbalance() -> None:
    # outcome = baseline + 1 on treatment exactly (plus small noise): ANCOVA recovers 1
    rng = np.random.default_rng(3)
    subjects = [
        ParallelSubject(f"S{i}", "treatment" if i < 10 else "control", b, b + (i < 10) + e)
        for i, (b, e) in enumerate(
            zip(np.r_[np.full(10, 6.0), np.full(10, 2.0)] + rng.normal(0, 1, 20),
                rng.normal(0, 0.01, 20), strict=True)
        )
    ]  # fmt: skip
    result = analyse_parallel(subjects)
    assert result.adjusted.estimate == pytest.approx(1.0, abs=0.05)
    assert result.unadjusted.estimate > 4.0


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="two subjects in each group"):
        analyse_parallel(SUBJECTS[:4])
    with pytest.raises(ValueError, match="treatment or control"):
        ParallelSubject("X", "placebo", 1.0, 2.0)
    same = [ParallelSubject(s.subject, s.group, 3.0, s.outcome) for s in SUBJECTS]
    with pytest.raises(ValueError, match="baseline"):
        analyse_parallel(same)
