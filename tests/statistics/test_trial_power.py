"""Simulated power of the small-trial designs: type I error near alpha, power near closed forms.

K = 20,000 trials per check; tolerances come from the Monte Carlo error (4 standard errors, so a
correct simulation fails about once in 15,000 runs), plus a stated allowance where the closed
form is itself an approximation (ANCOVA).
"""

from __future__ import annotations

import math
import time

import pytest

from spsreg.trials.power import PowerScenario, simulated_power

K = 20_000


def mc_tolerance(p: float, sims: int = K) -> float:
    return 4.0 * math.sqrt(p * (1.0 - p) / sims)


@pytest.mark.parametrize("design", ["crossover", "parallel"])
@pytest.mark.parametrize("n", [8, 16, 24])
def test_type_i_error_is_alpha(design: str, n: int) -> None:
    scenario = PowerScenario(design, effect=0.0, sd=2.0, within_sd=1.2)  # type: ignore[arg-type]
    result = simulated_power(scenario, n, K, seed=100 + n)
    assert abs(result.power - 0.05) < mc_tolerance(0.05)
    assert result.closed_form == pytest.approx(0.05)


@pytest.mark.parametrize(("n", "effect"), [(8, 1.5), (16, 1.0), (24, 0.6), (17, 1.0)])
def test_crossover_power_matches_the_noncentral_t(n: int, effect: float) -> None:
    scenario = PowerScenario("crossover", effect=effect, sd=2.0, within_sd=1.2)
    result = simulated_power(scenario, n, K, seed=n)
    assert result.closed_form is not None
    assert abs(result.power - result.closed_form) < mc_tolerance(result.closed_form)


@pytest.mark.parametrize(("n", "within_sd"), [(12, 1.2), (24, 1.2), (24, 2.0)])
def test_ancova_power_matches_its_noncentral_t_approximation(n: int, within_sd: float) -> None:
    scenario = PowerScenario("parallel", effect=1.5, sd=2.0, within_sd=within_sd)
    result = simulated_power(scenario, n, K, seed=n)
    assert result.closed_form is not None
    assert abs(result.power - result.closed_form) < mc_tolerance(result.closed_form) + 0.01


def test_baseline_correlation_raises_ancova_power() -> None:
    uncorrelated = PowerScenario("parallel", effect=1.5, sd=2.0, within_sd=2.0)
    correlated = PowerScenario("parallel", effect=1.5, sd=2.0, within_sd=1.0)
    low = simulated_power(uncorrelated, 16, K, seed=1).power
    high = simulated_power(correlated, 16, K, seed=1).power
    assert high > low + 0.1


def test_nof1_random_effects_type_i_error_with_few_and_many_cycles() -> None:
    """DerSimonian-Laird with per-patient variances from 3 cycles rejects too often (documented
    in docs/trials-design.md); with 20 cycles the variances are good and the size is near 5%."""
    few = simulated_power(PowerScenario("nof1", 0.0, 1.0, 1.0, cycles=3), 16, K, seed=7)
    many = simulated_power(PowerScenario("nof1", 0.0, 1.0, 1.0, cycles=20), 16, K, seed=7)
    assert few.power > 0.05 + mc_tolerance(0.05) + 0.02
    assert abs(many.power - 0.05) < mc_tolerance(0.05) + 0.01


def test_nof1_power_rises_with_the_effect_and_falls_with_heterogeneity() -> None:
    def power(effect: float, effect_sd: float) -> float:
        scenario = PowerScenario("nof1", effect, 1.0, 1.0, cycles=4, effect_sd=effect_sd)
        return simulated_power(scenario, 10, 5_000, seed=3).power

    assert power(0.8, 0.0) > power(0.4, 0.0) + 0.2
    assert power(0.4, 0.0) > power(0.4, 1.0) + 0.05


def test_100k_crossover_trials_take_seconds_not_minutes() -> None:
    scenario = PowerScenario("crossover", effect=1.0, sd=2.0, within_sd=1.2)
    started = time.perf_counter()
    result = simulated_power(scenario, 16, 100_000, seed=1)
    elapsed = time.perf_counter() - started
    assert result.sims == 100_000
    assert elapsed < 20.0, f"100,000 simulated crossover trials took {elapsed:.1f} s"
