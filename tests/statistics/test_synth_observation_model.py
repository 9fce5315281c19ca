"""The observation model is unbiased and the stated true effects are what the cohort carries.

These are the guarantees analyses rely on: the recorded stiffness index estimates the latent
stiffness without bias, so the IVIG effect seen in the records equals the realised effect the
ground truth states, and per-patient true effects average to the cohort's design values.
"""

from __future__ import annotations

import math
from statistics import fmean, pstdev

import pytest

from spsreg.synth import CohortConfig, SyntheticPatient, iter_synthetic_patients

CONFIG = CohortConfig(patients=300, seed=515)


@pytest.fixture(scope="module")
def cohort() -> list[SyntheticPatient]:
    return list(iter_synthetic_patients(CONFIG))


def _within(values: list[float], expected: float, k: float = 4.0) -> bool:
    return abs(fmean(values) - expected) <= k * pstdev(values) / math.sqrt(len(values)) + 1e-12


def test_the_stiffness_index_is_unbiased_for_latent_stiffness(
    cohort: list[SyntheticPatient],
) -> None:
    errors = [
        v.observed_stiffness_index - v.latent_stiffness for p in cohort for v in p.truth.visits
    ]
    assert len(errors) > 3000
    assert _within(errors, 0.0)


def test_the_ivig_effect_seen_at_visits_is_the_realised_effect(
    cohort: list[SyntheticPatient],
) -> None:
    seen, true = [], []
    for patient in cohort:
        ivig = patient.truth.ivig
        if not ivig.treated or ivig.first_course is None:
            continue
        for visit in patient.truth.visits:
            if visit.visit_date >= ivig.first_course:
                seen.append(visit.latent_stiffness_without_ivig - visit.observed_stiffness_index)
                true.append(visit.latent_stiffness_without_ivig - visit.latent_stiffness)
    assert len(seen) > 100
    differences = [s - t for s, t in zip(seen, true, strict=True)]
    assert _within(differences, 0.0)
    assert fmean(true) > 0.3  # the effect is there to be found


def test_per_patient_effects_average_to_the_design_values(cohort: list[SyntheticPatient]) -> None:
    effects = CONFIG.effects
    ivig = [p.truth.ivig.effect_points for p in cohort]
    assert _within(ivig, effects.ivig_responder_probability * effects.ivig_points_mean)
    benefit = [float(p.truth.plasmapheresis.benefit_duration_days) for p in cohort]
    assert _within(benefit, effects.plasmapheresis_benefit_days_mean, k=5.0)
    responders = [float(p.truth.rituximab.responder) for p in cohort]
    p = effects.rituximab_responder_probability
    assert abs(fmean(responders) - p) <= 4 * math.sqrt(p * (1 - p) / len(cohort))


def test_diary_participation(cohort: list[SyntheticPatient]) -> None:
    share = CONFIG.diary_participation
    diarists = sum(p.truth.diarist for p in cohort)
    assert abs(diarists / len(cohort) - share) <= 4 * math.sqrt(share * (1 - share) / len(cohort))


def test_ivig_responders_improve_and_non_responders_do_not(cohort: list[SyntheticPatient]) -> None:
    treated = [p.truth.ivig for p in cohort if p.truth.ivig.treated]
    responders = [i.realised_mean_effect_points or 0.0 for i in treated if i.responder]
    others = [i.realised_mean_effect_points or 0.0 for i in treated if not i.responder]
    assert responders and others
    assert fmean(responders) > 0.5 and max(others) == 0.0
