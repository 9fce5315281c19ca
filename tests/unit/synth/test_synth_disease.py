"""The latent course: effect channels respond as documented, and treatment lowers stiffness."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spsreg.synth import SyntheticPatient
from spsreg.synth.disease import EffectChannels


def test_a_step_responds_with_its_time_constant() -> None:
    channels = EffectChannels(100, {"ivig": 10.0})
    channels.step("ivig", 20, 2.0)
    assert channels.at("ivig", 19) == 0.0
    assert channels.at("ivig", 20) == 0.0
    assert channels.at("ivig", 30) == pytest.approx(2.0 * (1 - math.exp(-1.0)))


def test_steps_add_up_and_a_closed_window_fades() -> None:
    channels = EffectChannels(200, {"plasmapheresis": 2.0})
    channels.step("plasmapheresis", 10, 1.5)
    channels.step("plasmapheresis", 40, -1.5)
    series = channels.series("plasmapheresis")
    assert series[39] == pytest.approx(1.5, rel=1e-6)
    assert series[40 + 20] == pytest.approx(1.5 * (math.exp(-10.0) - math.exp(-25.0)), abs=1e-6)
    assert np.all(series[:10] == 0.0)


def test_steps_outside_follow_up_are_ignored() -> None:
    channels = EffectChannels(10, {"itb": 2.0})
    channels.step("itb", 10, 5.0)
    assert not channels.series("itb").any()


def test_ivig_truth_is_consistent_with_the_record(treated_cohort: list[SyntheticPatient]) -> None:
    treated = [p for p in treated_cohort if p.truth.ivig.treated]
    assert treated
    for patient in treated_cohort:
        ivig = patient.truth.ivig
        given = [
            a
            for a in patient.record.administrations
            if a.course_id.startswith(patient.record.patient.id)
        ]
        ivig_ids = {c.id for c in patient.record.medication_courses if c.drug_id == "ivig"}
        ivig_days = sorted(
            {a.given_on for a in given if a.course_id in ivig_ids and a.day_of_cycle == 1}
        )
        assert ivig.treated == bool(ivig_days)
        if ivig.treated:
            assert ivig.first_course == ivig_days[0] and ivig.courses == len(ivig_days)
            assert ivig.realised_mean_effect_points is not None
            assert -1e-9 <= ivig.realised_mean_effect_points <= ivig.effect_points + 1e-9
            assert ivig.days_to_90_percent == pytest.approx(ivig.onset_tau_days * math.log(10))
            if not ivig.responder:
                assert ivig.effect_points == 0.0 and ivig.realised_mean_effect_points == 0.0


def test_the_ivig_counterfactual_is_never_less_stiff(
    treated_cohort: list[SyntheticPatient],
) -> None:
    for patient in treated_cohort:
        for visit in patient.truth.visits:
            assert visit.latent_stiffness_without_ivig >= visit.latent_stiffness - 1e-9
