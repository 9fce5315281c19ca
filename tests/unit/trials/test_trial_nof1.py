"""N-of-1 per-patient effects and DerSimonian-Laird pooling against hand calculation."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from spsreg.trials.nof1 import analyse_nof1, dersimonian_laird


def test_dersimonian_laird_by_hand_equal_variances() -> None:
    pooled = dersimonian_laird([1.0, 2.0, 4.0], [1.0, 1.0, 1.0])
    # w = 1: fixed = 7/3; Q = (16 + 1 + 25)/9 = 42/9; C = 3 - 3/3 = 2
    q = 42 / 9
    tau2 = (q - 2) / 2
    assert pooled.fixed.estimate == pytest.approx(7 / 3)
    assert pooled.fixed.se == pytest.approx(math.sqrt(1 / 3))
    assert pooled.q == pytest.approx(q)
    assert pooled.tau2 == pytest.approx(tau2) == pytest.approx(4 / 3)
    assert pooled.i2 == pytest.approx((q - 2) / q)
    se = math.sqrt((1 + tau2) / 3)
    assert pooled.random.estimate == pytest.approx(7 / 3)
    assert pooled.random.se == pytest.approx(se)
    z = stats.norm.ppf(0.975)
    assert pooled.random.ci_low == pytest.approx(7 / 3 - z * se)
    assert pooled.random.p_value == pytest.approx(2 * stats.norm.sf((7 / 3) / se))
    half = stats.t.ppf(0.975, 1) * math.sqrt(tau2 + se**2)
    assert (pooled.prediction_low, pooled.prediction_high) == pytest.approx(
        (7 / 3 - half, 7 / 3 + half)
    )


def test_dersimonian_laird_by_hand_unequal_variances() -> None:
    y, v = [0.5, 1.5, -0.5, 2.0], [0.25, 0.5, 1.0, 2.0]
    w = [1 / x for x in v]
    fixed = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
    q = sum(wi * (yi - fixed) ** 2 for wi, yi in zip(w, y, strict=True))
    c = sum(w) - sum(wi**2 for wi in w) / sum(w)
    tau2 = max(0.0, (q - 3) / c)
    wr = [1 / (vi + tau2) for vi in v]
    random = sum(wi * yi for wi, yi in zip(wr, y, strict=True)) / sum(wr)
    pooled = dersimonian_laird(y, v)
    assert pooled.fixed.estimate == pytest.approx(fixed)
    assert pooled.tau2 == pytest.approx(tau2)
    assert pooled.random.estimate == pytest.approx(random)
    assert pooled.random.se == pytest.approx(math.sqrt(1 / sum(wr)))


def test_homogeneous_effects_give_zero_tau2_and_random_equals_fixed() -> None:
    pooled = dersimonian_laird([1.0, 1.1, 0.9], [1.0, 2.0, 1.5])
    assert pooled.tau2 == 0.0 and pooled.i2 == 0.0
    assert pooled.random.estimate == pytest.approx(pooled.fixed.estimate)
    assert pooled.random.se == pytest.approx(pooled.fixed.se)


def test_two_patients_have_no_prediction_interval() -> None:
    pooled = dersimonian_laird([1.0, 2.0], [1.0, 1.0])
    assert pooled.prediction_low is None and pooled.prediction_high is None


def test_patient_effects_are_mean_cycle_differences() -> None:
    result = analyse_nof1(
        {
            "A": [(2, 4), (3, 4), (2, 5)],
            "B": [(5, 5), (4, 6), (3, 5)],
            "C": [(1, 4), (2, 3), (1, 5)],
        }
    )
    a = result.patients[0]
    # differences -2, -1, -3: mean -2, SD 1, SE 1/sqrt(3), t on 2 df
    assert a.effect.estimate == pytest.approx(-2.0)
    assert a.effect.se == pytest.approx(1 / math.sqrt(3))
    assert a.effect.df == 2 and a.cycles == 3
    assert a.effect.ci_high == pytest.approx(-2 + stats.t.ppf(0.975, 2) / math.sqrt(3))
    expected = dersimonian_laird(
        [p.effect.estimate for p in result.patients], [p.variance for p in result.patients]
    )
    assert result.pooled == expected
    assert any("fewer than 4 cycles" in note for note in result.notes)


def test_invalid_series_are_refused() -> None:
    with pytest.raises(ValueError, match="at least two cycles"):
        analyse_nof1({"A": [(1, 2)], "B": [(1, 2), (2, 2)]})
    with pytest.raises(ValueError, match="variance is zero"):
        analyse_nof1({"A": [(1, 2), (1, 2)], "B": [(1, 2), (2, 2)]})
    with pytest.raises(ValueError, match="two patients"):
        analyse_nof1({"A": [(1, 2), (2, 2)]})
