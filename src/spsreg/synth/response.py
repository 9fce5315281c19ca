"""How one synthetic patient responds to each therapy: the per-patient true effects.

These are the quantities an analysis of the cohort should recover, so they are drawn once per
patient, stored in the ground truth, and used unchanged by the treatment simulation. Sizes are in
stiffness-index points on the latent scale; all distributions are simulation assumptions
(:class:`~spsreg.synth.config.EffectAssumptions`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spsreg.synth.config import CohortConfig

__all__ = ["TreatmentResponse", "draw_response"]


@dataclass(frozen=True)
class TreatmentResponse:
    benzodiazepine_points: float  # at saturating dose, before tolerance
    baclofen_points: float  # at saturating oral dose
    ivig_responder: bool
    ivig_points: float  # target effect while an IVIG course is active (0 if non-responder)
    ivig_onset_tau_days: float
    ivig_wear_off_day: int  # days after a course starts that its target effect ends
    plasmapheresis_points: float
    plasmapheresis_benefit_days: int  # after the last exchange of a series
    rituximab_responder: bool
    rituximab_points: float  # sustained effect once established (0 if non-responder)
    rituximab_delay_days: int
    itb_points: float  # at saturating intrathecal dose


def _positive_normal(rng: np.random.Generator, mean: float, sd: float) -> float:
    return max(0.0, float(rng.normal(mean, sd)))


def draw_response(rng: np.random.Generator, config: CohortConfig) -> TreatmentResponse:
    e = config.effects
    ivig_responder = bool(rng.random() < e.ivig_responder_probability)
    ivig_points = _positive_normal(rng, e.ivig_points_mean, e.ivig_points_sd)
    wear_off = int(
        np.clip(
            round(rng.normal(e.ivig_wear_off_day_mean, e.ivig_wear_off_day_sd)),
            e.ivig_wear_off_day_min,
            e.ivig_wear_off_day_max,
        )
    )
    rituximab_responder = bool(rng.random() < e.rituximab_responder_probability)
    rituximab_points = _positive_normal(rng, e.rituximab_points_mean, e.rituximab_points_sd)
    benefit = int(
        max(
            e.plasmapheresis_benefit_days_min,
            round(rng.normal(e.plasmapheresis_benefit_days_mean, e.plasmapheresis_benefit_days_sd)),
        )
    )
    return TreatmentResponse(
        benzodiazepine_points=_positive_normal(
            rng, e.benzodiazepine_points_mean, e.benzodiazepine_points_sd
        ),
        baclofen_points=_positive_normal(rng, e.baclofen_points_mean, e.baclofen_points_sd),
        ivig_responder=ivig_responder,
        ivig_points=ivig_points if ivig_responder else 0.0,
        ivig_onset_tau_days=max(
            2.0, float(rng.normal(e.ivig_onset_tau_mean_days, e.ivig_onset_tau_sd_days))
        ),
        ivig_wear_off_day=wear_off,
        plasmapheresis_points=_positive_normal(
            rng, e.plasmapheresis_points_mean, e.plasmapheresis_points_sd
        ),
        plasmapheresis_benefit_days=benefit,
        rituximab_responder=rituximab_responder,
        rituximab_points=rituximab_points if rituximab_responder else 0.0,
        rituximab_delay_days=int(
            rng.integers(e.rituximab_delay_days_min, e.rituximab_delay_days_max + 1)
        ),
        itb_points=_positive_normal(rng, e.itb_points_mean, e.itb_points_sd),
    )
