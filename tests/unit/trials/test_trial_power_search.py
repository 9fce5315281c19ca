"""Power simulation bookkeeping: Monte Carlo error, reproducibility, chunking, the n search."""

from __future__ import annotations

import math

import pytest

from spsreg.trials import power as power_module
from spsreg.trials.power import PowerResult, PowerScenario, sample_size, simulated_power

CROSSOVER = PowerScenario("crossover", effect=1.0, sd=2.0, within_sd=1.2)


def test_monte_carlo_error_and_wilson_interval() -> None:
    result = PowerResult(n=16, sims=1000, rejections=800, closed_form=None)
    assert result.power == 0.8
    assert result.mc_se == pytest.approx(math.sqrt(0.8 * 0.2 / 1000))
    low, high = result.interval
    assert low < 0.8 < high and high - low == pytest.approx(2 * 1.96 * result.mc_se, rel=0.02)
    assert PowerResult(16, 100, 0, None).interval[0] == pytest.approx(0.0, abs=1e-12)
    assert PowerResult(16, 100, 100, None).interval[1] == pytest.approx(1.0, abs=1e-12)


def test_same_seed_same_answer_whatever_the_chunk_size(monkeypatch: pytest.MonkeyPatch) -> None:
    first = simulated_power(CROSSOVER, 16, 3000, seed=5)
    assert simulated_power(CROSSOVER, 16, 3000, seed=5) == first
    assert simulated_power(CROSSOVER, 16, 3000, seed=6) != first
    monkeypatch.setattr(power_module, "CHUNK_VALUES", 48 * 7)  # 7 trials a chunk
    chunked = simulated_power(CROSSOVER, 16, 3000, seed=5)
    assert chunked.sims == 3000 and abs(chunked.power - first.power) < 0.05


def test_sample_size_is_the_smallest_n_reaching_the_target() -> None:
    found = sample_size(CROSSOVER, 0.8, sims=2000, seed=3, max_n=60)
    assert found.result is not None
    n = found.result.n
    assert found.result.power >= 0.8
    assert simulated_power(CROSSOVER, n - 1, 2000, seed=3).power < 0.8
    # the closed form agrees on where 80% is crossed (within a couple of patients)
    closed = [power_module.closed_form_power(CROSSOVER, m) or 0.0 for m in range(n - 3, n + 4)]
    assert closed[0] < 0.8 < closed[-1]


def test_an_unreachable_target_says_so() -> None:
    small = PowerScenario("parallel", effect=0.1, sd=2.0, within_sd=2.0)
    found = sample_size(small, 0.9, sims=500, seed=1, max_n=12)
    assert found.result is None and found.to_document()["reached"] is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"design": "stepped", "effect": 1, "sd": 1, "within_sd": 1}, "design"),
        ({"design": "crossover", "effect": 1, "sd": 1, "within_sd": 2}, "within_sd <= sd"),
        ({"design": "crossover", "effect": 1, "sd": 1, "within_sd": 1, "alpha": 1.5}, "alpha"),
        ({"design": "nof1", "effect": 1, "sd": 1, "within_sd": 1, "cycles": 1}, "cycles"),
    ],
)
def test_invalid_scenarios_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PowerScenario(**kwargs)  # type: ignore[arg-type]


def test_too_small_trials_are_refused() -> None:
    with pytest.raises(ValueError, match="n >= 4"):
        simulated_power(CROSSOVER, 3, 100, 1)
