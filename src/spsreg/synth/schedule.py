"""Visit schedule: enrolment, then a routine visit every 3 to 6 months until follow-up ends.

Some routine visits are held by telehealth (no walking test, no weight). Body weight drifts slowly
and is what IVIG dosing (g/kg) is computed from at the visit that starts it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spsreg.domain.assessments import VisitKind
from spsreg.synth.config import CohortConfig
from spsreg.synth.demographics import PatientProfile

__all__ = ["VisitPlan", "plan_visits"]


@dataclass(frozen=True)
class VisitPlan:
    day: int
    kind: VisitKind
    weight_kg: float  # true weight on that day
    weight_recorded: bool


def plan_visits(
    rng: np.random.Generator, profile: PatientProfile, config: CohortConfig
) -> list[VisitPlan]:
    observation = config.observation
    n = profile.followup_days
    days = [0]
    while True:
        following = days[-1] + int(
            rng.integers(
                observation.visit_interval_days_min, observation.visit_interval_days_max + 1
            )
        )
        if following >= n:
            break
        days.append(following)
    drift_per_year = float(rng.normal(0.0, 1.0))
    plans = []
    for day in days:
        if day == 0:
            kind = VisitKind.BASELINE
        elif rng.random() < observation.telehealth_share:
            kind = VisitKind.TELEHEALTH
        else:
            kind = VisitKind.ROUTINE
        weight = profile.weight_kg + drift_per_year * day / 365.25 + float(rng.normal(0.0, 0.5))
        recorded = kind is VisitKind.BASELINE or (
            kind is VisitKind.ROUTINE and rng.random() < observation.weight_recorded
        )
        plans.append(VisitPlan(day, kind, round(max(weight, 35.0), 1), recorded))
    return plans
