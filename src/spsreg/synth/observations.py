"""The observation model: how visits measure the latent state, item by item.

* Stiffness index: the number of stiff regions is ``floor(S) + Bernoulli(S - floor(S))``, so
  ``E[index | S] = S`` exactly; the stiff regions are the first ones in the patient's own order
  (lower trunk first, face last; the partial phenotype has 1 or 3 regions). The index therefore
  recovers latent effects without bias, away from its floor and ceiling.
* Heightened sensitivity: item j is positive with probability ``min(1, w_j * S / 6)`` with
  patient weights ``w_j``; ``E[HSS | S] = sum_j min(1, w_j * S / 6)`` is stored in the truth.
* T25FW (seconds) grows log-linearly with S; mRS is a noisy rounding of a line in S; falls and
  spasms recall the daily series of the past 4 weeks / 7 days; PHQ-9, GAD-7 and PROMIS items
  follow mood traits and S.
* Missingness: a scale is skipped at a visit, or an item is left unanswered, at random (MCAR);
  telehealth visits have no walking test and no weight.
"""

from __future__ import annotations

import math

import numpy as np

from spsreg.domain.assessments import Assessment, ItemResponse, Visit, VisitKind
from spsreg.synth.config import CohortConfig
from spsreg.synth.demographics import PatientProfile
from spsreg.synth.disease import DailySymptoms
from spsreg.synth.schedule import VisitPlan

__all__ = ["HSS_ITEMS", "STIFFNESS_REGIONS", "VisitObserver"]

STIFFNESS_REGIONS = ("lower_trunk", "upper_trunk", "legs", "arms", "face", "abdomen")
HSS_ITEMS = (
    "unexpected_noise",
    "visual",
    "somatosensory",
    "activity",
    "emotional_stress",
    "spontaneous",
    "nocturnal",
)
_PROMIS_BETTER_HIGH = (
    "global01",
    "global02",
    "global03",
    "global04",
    "global05",
    "global06",
    "global09",
)
_PROMIS_WORSE_HIGH = ("global08", "global10")


def _region_order(rng: np.random.Generator, profile: PatientProfile) -> tuple[str, ...]:
    """Trunk and legs before arms, face last (simulation assumption)."""
    if profile.partial_pattern == "limb":
        return ("legs",)
    if profile.partial_pattern == "trunk":
        return ("lower_trunk", "upper_trunk", "abdomen")
    middle = ["upper_trunk", "abdomen", "legs", "arms"]
    keys = rng.random(4) * np.array([1.0, 1.2, 1.2, 2.5])  # arms tend to come later
    return ("lower_trunk", *(middle[i] for i in np.argsort(keys)), "face")


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class VisitObserver:
    def __init__(
        self, rng: np.random.Generator, profile: PatientProfile, config: CohortConfig
    ) -> None:
        self.rng = rng
        self.profile = profile
        self.assumed = config.observation
        self.regions = _region_order(rng, profile)
        low, high = self.assumed.hss_item_weight_min, self.assumed.hss_item_weight_max
        self.hss_weights = rng.uniform(low, high, len(HSS_ITEMS))
        self.walk_seconds = self.assumed.t25fw_seconds_at_0 * float(
            rng.lognormal(0.0, self.assumed.t25fw_log_sd_patient)
        )
        self.depression_trait = float(rng.normal(-1.5, 0.7)) + (
            1.3 if profile.has_mood_disorder else 0.0
        )
        self.anxiety_trait = float(rng.normal(-1.3, 0.7)) + (
            1.3 if profile.has_mood_disorder else 0.0
        )
        self.seen: dict[int, int] = {}

    def expected_hss(self, latent: np.ndarray | float) -> np.ndarray:
        s = np.asarray(latent, dtype=float)
        expected: np.ndarray = np.minimum(1.0, np.multiply.outer(s, self.hss_weights) / 6.0).sum(
            axis=-1
        )
        return expected

    def observe_index(self, day: int, latent: float) -> int:
        """Stiffness index seen on a visit day (unbiased for the latent value)."""
        whole = math.floor(latent)
        count = min(whole + int(self.rng.random() < latent - whole), len(self.regions))
        self.seen[day] = count
        return count

    def visits(
        self, plans: list[VisitPlan], stiffness: np.ndarray, symptoms: DailySymptoms
    ) -> list[Visit]:
        pid = self.profile.patient_id
        visits = []
        for k, plan in enumerate(plans):
            latent = float(stiffness[plan.day])
            scales: list[tuple[str, str, dict[str, ItemResponse]]] = [
                ("stiffness_index", "1", self._stiffness_index(plan.day)),
                ("heightened_sensitivity", "1", self._hss(latent)),
                ("mrs", "1", {"grade": self._mrs(latent)}),
                ("falls_spasm_frequency", "1", self._falls_spasms(plan.day, symptoms)),
                ("phq9", "1", self._likert("phq9", 9, self.depression_trait, latent)),
                ("gad7", "1", self._likert("gad7", 7, self.anxiety_trait, latent)),
                ("promis_global10", "1.2", self._promis(latent)),
            ]
            if plan.kind is not VisitKind.TELEHEALTH:
                scales.insert(2, ("t25fw", "1", self._t25fw(latent)))
            assessments = tuple(
                Assessment(
                    id=f"{pid}-v{k + 1:03d}-{scale}",
                    scale_id=scale,
                    scale_version=version,
                    responses=self._missing(responses),
                )
                for scale, version, responses in scales
                if scale == "stiffness_index" or self.rng.random() >= self.assumed.scale_not_done
            )
            visits.append(
                Visit(
                    id=f"{pid}-v{k + 1:03d}",
                    visit_date=self.profile.date_of(plan.day),
                    kind=plan.kind,
                    weight_kg=plan.weight_kg if plan.weight_recorded else None,
                    assessments=assessments,
                )
            )
        return visits

    def _missing(self, responses: dict[str, ItemResponse]) -> dict[str, ItemResponse]:
        p = self.assumed.item_missing
        return {
            item: (None if self.rng.random() < p else value) for item, value in responses.items()
        }

    def _stiffness_index(self, day: int) -> dict[str, ItemResponse]:
        stiff = set(self.regions[: self.seen[day]])
        return {region: int(region in stiff) for region in STIFFNESS_REGIONS}

    def _hss(self, latent: float) -> dict[str, ItemResponse]:
        p = np.minimum(1.0, self.hss_weights * latent / 6.0)
        positive = self.rng.random(len(HSS_ITEMS)) < p
        return {item: int(flag) for item, flag in zip(HSS_ITEMS, positive, strict=True)}

    def _t25fw(self, latent: float) -> dict[str, ItemResponse]:
        a = self.assumed
        device = int(latent + self.rng.normal(0.0, 0.3) >= a.assistive_device_from)
        if latent >= a.t25fw_unable_from and self.rng.random() < 0.5:
            return {"trial_1_seconds": None, "trial_2_seconds": None, "assistive_device": 1}
        trials: list[ItemResponse] = []
        for _ in range(2):
            seconds = self.walk_seconds * math.exp(
                a.t25fw_log_slope * latent + self.rng.normal(0.0, a.t25fw_trial_log_sd)
            )
            trials.append(round(seconds, 1) if 0.0 < seconds <= 180.0 else None)
        return {
            "trial_1_seconds": trials[0],
            "trial_2_seconds": trials[1],
            "assistive_device": device,
        }

    def _mrs(self, latent: float) -> int:
        a = self.assumed
        value = a.mrs_intercept + a.mrs_per_point * latent + self.rng.normal(0.0, a.mrs_noise_sd)
        return min(5, max(0, round(value)))

    def _falls_spasms(self, day: int, symptoms: DailySymptoms) -> dict[str, ItemResponse]:
        falls = int(symptoms.falls[max(0, day - 27) : day + 1].sum())
        spasms = float(symptoms.spasms[max(0, day - 6) : day + 1].mean())
        return {"falls_past_4_weeks": falls, "spasms_per_day": round(spasms, 1)}

    def _likert(
        self, prefix: str, items: int, trait: float, latent: float
    ) -> dict[str, ItemResponse]:
        p = _sigmoid(trait + self.assumed.mood_per_point * (latent - 3.0))
        values = self.rng.binomial(3, p, items)
        return {f"{prefix}_{i + 1}": int(v) for i, v in enumerate(values)}

    def _promis(self, latent: float) -> dict[str, ItemResponse]:
        wellbeing = 0.5 - 0.45 * (latent - 3.0) - 0.5 * (self.depression_trait + 1.5)
        responses: dict[str, ItemResponse] = {}
        for item in _PROMIS_BETTER_HIGH:
            responses[item] = int(np.clip(round(3.0 + wellbeing + self.rng.normal(0.0, 0.6)), 1, 5))
        for item in _PROMIS_WORSE_HIGH:
            responses[item] = int(np.clip(round(3.0 - wellbeing + self.rng.normal(0.0, 0.6)), 1, 5))
        responses["global07"] = int(
            np.clip(round(3.0 + (latent - 2.0) + self.rng.normal(0.0, 1.2)), 0, 10)
        )
        return dict(sorted(responses.items()))
