"""The latent disease course: daily stiffness on the stiffness-index scale, and daily symptoms.

Latent stiffness ``S(t)`` is measured in stiffness-index points (0 to the patient's cap: 6, or
fewer regions for the partial phenotype). Untreated, it is

    S0(t) = baseline + progression * years(t) + AR(1) fluctuation(t) + flares(t)

and treatment subtracts effects held in :class:`EffectChannels`:

    S(t) = clip(S0(t) - sum_c coefficient_c(t) * channel_c(t), 0, cap)

where every channel is a sum of first-order responses to step changes of a target level (so each
therapy has an onset and an offset time constant), and the benzodiazepine channel is multiplied by
a tolerance factor that drifts from 1 to a floor. All parameters are simulation assumptions
(:mod:`spsreg.synth.config`). Spasms, falls and triggers are drawn per day from ``S(t)``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from spsreg.synth.config import CohortConfig
from spsreg.synth.demographics import PatientProfile
from spsreg.synth.response import TreatmentResponse

__all__ = [
    "CHANNELS",
    "TRIGGERS",
    "DailySymptoms",
    "DiseaseCourse",
    "EffectChannels",
    "daily_symptoms",
    "draw_disease_course",
    "stiffness_cap",
]

CHANNELS: tuple[str, ...] = (
    "benzodiazepine",
    "oral_antispastic",
    "ivig",
    "plasmapheresis",
    "rituximab",
    "itb",
    "steroid",
    "physical_therapy",
    "withdrawal",
)
TRIGGERS: tuple[str, ...] = ("noise", "touch", "emotional_stress", "cold", "other")
_FLARE_TAU_DAYS = 3.0


class EffectChannels:
    """Daily treatment effects, built from step changes of each channel's target level.

    A step of ``delta`` on day ``d`` adds ``delta * (1 - exp(-(t - d) / tau))`` for ``t >= d``.
    Steps are causal, so the effect on a day never changes once a later step is added: the
    treatment policy can read the state on a visit day and then decide.
    """

    def __init__(self, n_days: int, taus: Mapping[str, float]) -> None:
        self._n = n_days
        days = np.arange(n_days, dtype=float)
        self._ramps = {name: -np.expm1(-days / tau) for name, tau in taus.items()}
        self._values = {name: np.zeros(n_days) for name in taus}

    @property
    def n_days(self) -> int:
        return self._n

    def step(self, channel: str, day: int, delta: float) -> None:
        if delta == 0.0 or day >= self._n:
            return
        day = max(day, 0)
        self._values[channel][day:] += delta * self._ramps[channel][: self._n - day]

    def at(self, channel: str, day: int) -> float:
        return float(self._values[channel][day])

    def series(self, channel: str) -> np.ndarray:
        return self._values[channel]


def stiffness_cap(profile: PatientProfile) -> int:
    """Body regions that can be stiff: 6, or 1 (stiff limb) / 3 (stiff trunk) when partial."""
    if profile.partial_pattern == "limb":
        return 1
    if profile.partial_pattern == "trunk":
        return 3
    return 6


@dataclass
class DiseaseCourse:
    cap: int
    baseline: float
    progression_per_year: float
    untreated: np.ndarray
    tolerance: np.ndarray
    channels: EffectChannels

    def _effect(self, channel: str) -> np.ndarray:
        values = self.channels.series(channel)
        return values * self.tolerance if channel == "benzodiazepine" else values

    def stiffness_at(self, day: int) -> float:
        effect = sum(self._effect(name)[day] for name in CHANNELS)
        return float(np.clip(self.untreated[day] - effect, 0.0, self.cap))

    def stiffness(self, without: Collection[str] = ()) -> np.ndarray:
        """Daily latent stiffness; ``without`` drops channels to give a counterfactual course."""
        effect = np.zeros_like(self.untreated)
        for name in CHANNELS:
            if name not in without:
                effect += self._effect(name)
        clipped: np.ndarray = np.clip(self.untreated - effect, 0.0, float(self.cap))
        return clipped


def _ar1(rng: np.random.Generator, n: int, sd: float, phi: float) -> np.ndarray:
    """Stationary AR(1) series, vectorised as a convolution with a truncated phi^k kernel."""
    if sd == 0.0:
        return np.zeros(n)
    length = int(np.ceil(np.log(1e-4) / np.log(phi))) if phi > 0 else 1
    kernel = phi ** np.arange(length)
    noise = rng.normal(0.0, sd * np.sqrt(1.0 - phi**2), n + length)
    return np.convolve(noise, kernel)[length : length + n]


def draw_disease_course(
    rng: np.random.Generator,
    profile: PatientProfile,
    config: CohortConfig,
    response: TreatmentResponse,
) -> DiseaseCourse:
    """Untreated latent course and empty effect channels for one patient."""
    assumed = config.disease
    effects = config.effects
    n = profile.followup_days
    cap = stiffness_cap(profile)
    key = (
        f"partial_{profile.partial_pattern}" if profile.partial_pattern else profile.phenotype.value
    )
    baseline = float(
        np.clip(rng.normal(assumed.baseline_stiffness[key], assumed.baseline_sd), 0.3, cap)
    )
    progression = max(
        0.0, float(rng.normal(assumed.progression_per_year_mean, assumed.progression_per_year_sd))
    )
    if profile.has_t1dm:
        progression *= assumed.t1dm_progression_multiplier
    years = np.arange(n) / 365.25
    untreated = baseline + progression * years * (cap / 6.0)
    untreated += _ar1(rng, n, assumed.fluctuation_sd, assumed.fluctuation_autocorrelation)
    flares = EffectChannels(n, {"flare": _FLARE_TAU_DAYS})
    for _ in range(int(rng.poisson(assumed.flares_per_year * n / 365.25))):
        start = int(rng.integers(0, n))
        length = int(rng.integers(assumed.flare_days_min, assumed.flare_days_max + 1))
        flares.step("flare", start, assumed.flare_points)
        flares.step("flare", start + length, -assumed.flare_points)
    untreated += flares.series("flare")
    tolerance = effects.tolerance_floor + (1 - effects.tolerance_floor) * np.exp(
        -years * 365.25 / effects.tolerance_tau_days
    )
    taus = {
        "benzodiazepine": effects.benzodiazepine_tau_days,
        "oral_antispastic": effects.oral_antispastic_tau_days,
        "ivig": response.ivig_onset_tau_days,
        "plasmapheresis": effects.plasmapheresis_tau_days,
        "rituximab": effects.rituximab_tau_days,
        "itb": effects.itb_tau_days,
        "steroid": effects.steroid_tau_days,
        "physical_therapy": effects.physical_therapy_tau_days,
        "withdrawal": 1.0,  # rebound comes and goes within days
    }
    return DiseaseCourse(cap, baseline, progression, untreated, tolerance, EffectChannels(n, taus))


@dataclass(frozen=True)
class DailySymptoms:
    spasms: np.ndarray  # int, per day
    falls: np.ndarray  # int, per day
    triggers: np.ndarray  # bool, shape (days, len(TRIGGERS))


def daily_symptoms(
    rng: np.random.Generator, stiffness: np.ndarray, sedation: np.ndarray, config: CohortConfig
) -> DailySymptoms:
    """Spasms (Poisson, driven by stiffness and the day's triggers) and falls (Poisson)."""
    assumed = config.disease
    n = stiffness.size
    trigger_p = np.array([assumed.trigger_daily_probability[t] for t in TRIGGERS])
    trigger_p = np.clip(trigger_p * rng.uniform(0.5, 1.5, len(TRIGGERS)), 0.0, 1.0)
    triggers = rng.random((n, len(TRIGGERS))) < trigger_p
    multiplier = (1.0 + (assumed.trigger_spasm_multiplier - 1.0) * triggers).prod(axis=1)
    spasm_scale = assumed.spasms_per_day_at_3 * float(rng.lognormal(0.0, 0.4))
    spasm_rate = spasm_scale * np.exp(assumed.spasm_log_slope * (stiffness - 3.0)) * multiplier
    spasms = np.minimum(rng.poisson(spasm_rate), 1000)
    fall_scale = assumed.falls_per_day_at_3 * float(rng.lognormal(0.0, 0.4))
    fall_rate = fall_scale * np.exp(assumed.falls_log_slope * (stiffness - 3.0))
    fall_rate *= 1.0 + assumed.falls_per_sedation_point * sedation
    falls = np.minimum(rng.poisson(fall_rate), 100)
    return DailySymptoms(spasms=spasms, falls=falls, triggers=triggers & (spasms > 0)[:, None])
