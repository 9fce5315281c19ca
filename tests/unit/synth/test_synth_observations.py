"""Visits every 3-6 months, realistic missingness, diaries with gaps, an unbiased index."""

from __future__ import annotations

import itertools
from datetime import timedelta
from statistics import fmean

import numpy as np

from spsreg.domain.assessments import VisitKind
from spsreg.knowledge.epidemiology import load_epidemiology
from spsreg.synth import CohortConfig, SyntheticPatient
from spsreg.synth.demographics import draw_profile
from spsreg.synth.diary import diary_days
from spsreg.synth.observations import VisitObserver
from spsreg.synth.streams import patient_rng


def test_visits_are_3_to_6_months_apart(small_cohort: list[SyntheticPatient]) -> None:
    for patient in small_cohort:
        visits = patient.record.visits
        assert visits[0].kind is VisitKind.BASELINE
        for earlier, later in itertools.pairwise(visits):
            assert (
                timedelta(days=91) <= later.visit_date - earlier.visit_date <= timedelta(days=183)
            )


def test_telehealth_visits_have_no_walking_test_or_weight(
    small_cohort: list[SyntheticPatient],
) -> None:
    telehealth = [
        v for p in small_cohort for v in p.record.visits if v.kind is VisitKind.TELEHEALTH
    ]
    assert telehealth
    for visit in telehealth:
        assert visit.weight_kg is None
        assert "t25fw" not in {a.scale_id for a in visit.assessments}


def test_items_and_scales_go_missing_sometimes(small_cohort: list[SyntheticPatient]) -> None:
    assessments = [a for p in small_cohort for v in p.record.visits for a in v.assessments]
    missing = sum(value is None for a in assessments for value in a.responses.values())
    items = sum(len(a.responses) for a in assessments)
    assert 0.01 < missing / items < 0.10
    visits = [v for p in small_cohort for v in p.record.visits]
    assert any(len(v.assessments) < 7 for v in visits if v.kind is not VisitKind.TELEHEALTH)


def test_recorded_stiffness_index_matches_the_truth(small_cohort: list[SyntheticPatient]) -> None:
    for patient in small_cohort:
        for visit, truth in zip(patient.record.visits, patient.truth.visits, strict=True):
            (index,) = [a for a in visit.assessments if a.scale_id == "stiffness_index"]
            answered = [v for v in index.responses.values() if v is not None]
            assert sum(answered) <= truth.observed_stiffness_index  # type: ignore[arg-type]
            if len(answered) == 6:
                assert sum(answered) == truth.observed_stiffness_index  # type: ignore[arg-type]
            assert 0 <= truth.latent_stiffness <= patient.truth.stiffness_cap


def test_the_observed_index_is_unbiased_for_the_latent_state() -> None:
    config = CohortConfig()
    profile = draw_profile(patient_rng(1, 0, "demographics"), 0, config, load_epidemiology())
    observer = VisitObserver(np.random.default_rng(5), profile, config)
    cap = len(observer.regions)
    for latent in (0.0, 0.3 * cap, 0.5 * cap, 0.77 * cap, float(cap)):
        draws = [observer.observe_index(day, latent) for day in range(4000)]
        # variance of floor + Bernoulli(frac) is at most 1/4: 5 standard errors is 5 * 0.5 / sqrt(4000)
        assert abs(fmean(draws) - latent) < 5 * 0.5 / np.sqrt(4000)


def test_diarists_keep_hundreds_of_entries_with_gaps(small_cohort: list[SyntheticPatient]) -> None:
    diarists = [p for p in small_cohort if p.truth.diarist]
    assert diarists and len(diarists) < len(small_cohort)
    for patient in small_cohort:
        assert patient.truth.diary_entries == len(patient.record.diary_entries)
        if not patient.truth.diarist:
            assert not patient.record.diary_entries
    counts = sorted(len(p.record.diary_entries) for p in diarists)
    assert 300 <= counts[len(counts) // 2] <= 1100
    for patient in diarists:
        dates = [e.entry_date for e in patient.record.diary_entries]
        assert dates == sorted(dates)
        gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
        if len(dates) > 100:
            assert max(gaps) >= 7  # holidays and lapses, not a perfect daily record


def test_diary_adherence_decays() -> None:
    config = CohortConfig()
    first_year, last_year = [], []
    for seed in range(60):
        days = diary_days(np.random.default_rng(seed), 1800, config)
        first_year.append(int(np.sum(days < 365)))
        last_year.append(int(np.sum(days >= 1435)))
    assert fmean(first_year) > 1.3 * fmean(last_year)


def test_diary_entries_read_the_daily_series(small_cohort: list[SyntheticPatient]) -> None:
    entries = [e for p in small_cohort for e in p.record.diary_entries]
    assert entries
    assert all(e.stiffness is not None and 0 <= e.stiffness <= 10 for e in entries)
    assert any(e.triggers for e in entries) and any(e.doses_taken for e in entries)
    assert any(e.sedation is None for e in entries) and any(e.falls is None for e in entries)
    assert {d.drug_id for e in entries for d in e.doses_taken} >= {"diazepam"}
