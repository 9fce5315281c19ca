"""Power and sample size of a small trial by Monte Carlo simulation, with its Monte Carlo error.

:func:`simulated_power` draws ``sims`` trials of the design (:mod:`spsreg.trials.simulate`, in
chunks of at most :data:`CHUNK_VALUES` random numbers, so memory stays bounded and the same seed
gives the same answer) and counts rejections. The Monte Carlo standard error of a simulated power
``p`` is ``sqrt(p (1 - p) / K)``; the 95% interval is Wilson's score interval (it stays inside
[0, 1] when ``p`` is 0 or 1).

Where a closed form exists it is given for comparison: the exact noncentral-t power of the
crossover's period-difference t-test (``df = n - 2``), and for ANCOVA the usual noncentral-t
approximation (``df = n - 3``, residual SD ``sd sqrt(1 - rho^2)``, variance inflated by
``(n - 3)/(n - 4)`` for the random baseline imbalance). The N-of-1 series has none.

:func:`sample_size` searches the smallest ``n`` whose simulated power reaches a target, by
bisection with the same seed at every ``n`` (common random numbers keep the search stable).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats

from spsreg.trials.simulate import simulate_crossover, simulate_nof1, simulate_parallel

__all__ = [
    "CHUNK_VALUES",
    "DESIGNS",
    "MIN_N",
    "PowerResult",
    "PowerScenario",
    "SampleSize",
    "closed_form_power",
    "sample_size",
    "simulated_power",
]

Design = Literal["crossover", "parallel", "nof1"]
DESIGNS: tuple[Design, ...] = ("crossover", "parallel", "nof1")
MIN_N: dict[str, int] = {"crossover": 4, "parallel": 5, "nof1": 2}
"""The smallest trial each design's analysis can test (two per group, a residual df for ANCOVA
and its closed form, two patients to pool)."""
CHUNK_VALUES = 4_000_000
"""At most this many random numbers are held at once (about 32 MB)."""


@dataclass(frozen=True)
class PowerScenario:
    """What is simulated: the design, the true effect (treatment minus control, in outcome units)
    and the variance components of one measurement.

    ``sd`` is the SD of a single measurement across patients, ``within_sd`` its SD within a patient
    from period to period (the between-patient SD is ``sqrt(sd^2 - within_sd^2)``). For the N-of-1
    series ``cycles`` is the number of treatment/control pairs per patient and ``effect_sd`` the
    between-patient SD of the true effect.
    """

    design: Design
    effect: float
    sd: float
    within_sd: float
    alpha: float = 0.05
    cycles: int = 3
    effect_sd: float = 0.0

    def __post_init__(self) -> None:
        if self.design not in DESIGNS:
            raise ValueError(f"design must be one of {', '.join(DESIGNS)}")
        if not (self.sd > 0 and 0 < self.within_sd <= self.sd):
            raise ValueError("need sd > 0 and 0 < within_sd <= sd")
        if not 0 < self.alpha < 1:
            raise ValueError("alpha must be between 0 and 1")
        if self.cycles < 2 or self.effect_sd < 0:
            raise ValueError("need at least 2 cycles and effect_sd >= 0")

    @property
    def between_sd(self) -> float:
        return math.sqrt(max(0.0, self.sd**2 - self.within_sd**2))

    def to_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "design": self.design,
            "effect": self.effect,
            "sd": self.sd,
            "within_sd": self.within_sd,
            "between_sd": self.between_sd,
            "alpha": self.alpha,
        }
        if self.design == "nof1":
            document |= {"cycles": self.cycles, "effect_sd": self.effect_sd}
        return document


@dataclass(frozen=True)
class PowerResult:
    n: int
    sims: int
    rejections: int
    closed_form: float | None

    @property
    def power(self) -> float:
        return self.rejections / self.sims

    @property
    def mc_se(self) -> float:
        return math.sqrt(self.power * (1.0 - self.power) / self.sims)

    @property
    def interval(self) -> tuple[float, float]:
        """Wilson's 95% score interval for the simulated power."""
        z, k, p = 1.959963984540054, self.sims, self.power
        centre = (p + z * z / (2 * k)) / (1 + z * z / k)
        half = z * math.sqrt(p * (1 - p) / k + z * z / (4 * k * k)) / (1 + z * z / k)
        return max(0.0, centre - half), min(1.0, centre + half)

    def to_document(self) -> dict[str, Any]:
        low, high = self.interval
        return {
            "n": self.n,
            "power": self.power,
            "mc_se": self.mc_se,
            "power_low": low,
            "power_high": high,
            "closed_form_power": self.closed_form,
        }


def simulated_power(design: PowerScenario, n: int, sims: int, seed: int) -> PowerResult:
    """The share of ``sims`` simulated trials of ``n`` patients that reject at ``alpha``."""
    if n < MIN_N[design.design]:
        raise ValueError(f"a {design.design} trial needs n >= {MIN_N[design.design]}")
    if sims < 1:
        raise ValueError("sims must be at least 1")
    per_trial = n * (2 * design.cycles + 1 if design.design == "nof1" else 3)
    chunk = max(1, CHUNK_VALUES // per_trial)
    rng = np.random.default_rng(seed)
    rejections = 0
    for start in range(0, sims, chunk):
        size = min(chunk, sims - start)
        rejections += int(_simulate(design, rng, size, n).sum())
    return PowerResult(n, sims, rejections, closed_form_power(design, n))


def _simulate(design: PowerScenario, rng: np.random.Generator, size: int, n: int) -> np.ndarray:
    d = design
    if d.design == "crossover":
        return simulate_crossover(rng, size, n, d.effect, d.between_sd, d.within_sd, d.alpha)
    if d.design == "parallel":
        return simulate_parallel(rng, size, n, d.effect, d.between_sd, d.within_sd, d.alpha)
    return simulate_nof1(
        rng, size, n, d.effect, d.within_sd, d.alpha, cycles=d.cycles, effect_sd=d.effect_sd
    )


def closed_form_power(design: PowerScenario, n: int) -> float | None:
    """Noncentral-t power (exact for the crossover, approximate for ANCOVA); None for N-of-1."""
    if design.design == "nof1":
        return None
    first = (n + 1) // 2
    allocation = 1.0 / first + 1.0 / (n - first)
    if design.design == "crossover":
        df = n - 2.0
        se = math.sqrt(2.0 * design.within_sd**2 * allocation) / 2.0
    else:
        df = n - 3.0
        rho = design.between_sd**2 / design.sd**2
        se = design.sd * math.sqrt((1.0 - rho**2) * allocation * (n - 3.0) / (n - 4.0))
    critical = float(stats.t.ppf(1.0 - design.alpha / 2.0, df))
    ncp = design.effect / se
    return float(stats.nct.sf(critical, df, ncp) + stats.nct.cdf(-critical, df, ncp))


@dataclass(frozen=True)
class SampleSize:
    """The smallest ``n`` (searched up to ``max_n``) whose simulated power reaches the target;
    ``result`` is None when even ``max_n`` does not."""

    target_power: float
    max_n: int
    result: PowerResult | None

    def to_document(self) -> dict[str, Any]:
        return {
            "target_power": self.target_power,
            "max_n": self.max_n,
            "reached": self.result is not None,
            "result": None if self.result is None else self.result.to_document(),
        }


def sample_size(
    design: PowerScenario, target_power: float, sims: int, seed: int, max_n: int = 200
) -> SampleSize:
    """Bisection over ``n`` in ``[MIN_N, max_n]`` with the same seed at every ``n``."""
    if not 0 < target_power < 1:
        raise ValueError("the target power must be between 0 and 1")
    low = MIN_N[design.design]
    if max_n < low:
        raise ValueError(f"max_n must be at least {low}")
    found: dict[int, PowerResult] = {}

    def power_at(n: int) -> PowerResult:
        if n not in found:
            found[n] = simulated_power(design, n, sims, seed)
        return found[n]

    if power_at(max_n).power < target_power:
        return SampleSize(target_power, max_n, None)
    if power_at(low).power >= target_power:
        return SampleSize(target_power, max_n, found[low])
    high = max_n
    while high - low > 1:  # power(low) < target <= power(high)
        middle = (low + high) // 2
        if power_at(middle).power >= target_power:
            high = middle
        else:
            low = middle
    return SampleSize(target_power, max_n, found[high])
