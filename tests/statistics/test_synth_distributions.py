"""A 2,000-patient cohort reproduces the cited distributions within binomial error.

Tolerances are 4 standard errors (binomial for shares, sigma/sqrt(n) for the mean age), so a
correct generator fails with probability well under 1 in 10,000 per check; the seed is fixed,
so the test is deterministic anyway. Diaries are switched off to keep the test fast: diary
participation is drawn after, and independently of, everything checked here.
"""

from __future__ import annotations

import math
from collections import Counter
from statistics import fmean, pstdev

import pytest

from spsreg.domain.conditions import ComorbidityKind
from spsreg.domain.labs import QualitativeResult
from spsreg.domain.patient import Sex
from spsreg.knowledge.epidemiology import load_epidemiology
from spsreg.synth import CohortConfig, SyntheticPatient, iter_synthetic_patients

N = 2000
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cohort() -> list[SyntheticPatient]:
    return list(
        iter_synthetic_patients(CohortConfig(patients=N, seed=20261031, diary_participation=0.0))
    )


def _assert_share(observed: int, n: int, expected: float, label: str) -> None:
    tolerance = 4 * math.sqrt(expected * (1 - expected) / n)
    assert abs(observed / n - expected) <= tolerance, (
        f"{label}: {observed / n:.3f} vs {expected:.3f}"
    )


def test_sex_ratio(cohort: list[SyntheticPatient]) -> None:
    female = sum(p.record.patient.sex is Sex.FEMALE for p in cohort)
    _assert_share(female, N, load_epidemiology().female_share.share, "female")


def test_phenotype_shares(cohort: list[SyntheticPatient]) -> None:
    cited = load_epidemiology().phenotype_distributions["johns_hopkins_2023"].shares()
    counts = Counter(p.record.patient.phenotype for p in cohort)
    assert {str(k) for k in counts} <= set(cited)
    for phenotype, share in cited.items():
        _assert_share(sum(n for k, n in counts.items() if str(k) == phenotype), N, share, phenotype)


def test_antibody_serogroup_shares(cohort: list[SyntheticPatient]) -> None:
    cited = load_epidemiology().serogroups.shares()
    counts = Counter(p.truth.serogroup for p in cohort)
    for group, share in cited.items():
        _assert_share(counts[group], N, share, group)


def test_recorded_antibody_results_follow_the_serogroup(cohort: list[SyntheticPatient]) -> None:
    glyr_positive = 0
    for patient in cohort:
        glyr = [r for r in patient.record.lab_results if r.analyte == "glyr_antibody"]
        positive = any(r.qualitative is QualitativeResult.POSITIVE for r in glyr)
        assert positive == ("glyr_antibody" in patient.truth.positive_antibodies)
        glyr_positive += positive
    _assert_share(
        glyr_positive, N, load_epidemiology().serogroups.shares()["glyr"], "GlyR positive"
    )


@pytest.mark.parametrize(
    "kind",
    [
        ComorbidityKind.TYPE_1_DIABETES,
        ComorbidityKind.THYROID_AUTOIMMUNITY,
        ComorbidityKind.PERNICIOUS_ANAEMIA,
        ComorbidityKind.EPILEPSY,
    ],
)
def test_cited_comorbidity_prevalence(
    cohort: list[SyntheticPatient], kind: ComorbidityKind
) -> None:
    expected = load_epidemiology().comorbidity_prevalence[kind.value].share
    observed = sum(any(c.kind is kind for c in p.record.comorbidities) for p in cohort)
    _assert_share(observed, N, expected, kind.value)


def test_age_at_diagnosis(cohort: list[SyntheticPatient]) -> None:
    cited = load_epidemiology().age_at_diagnosis
    ages = []
    for patient in cohort:
        assert patient.record.identifiers is not None and patient.record.patient.diagnosis_date
        days = (
            patient.record.patient.diagnosis_date - patient.record.identifiers.date_of_birth
        ).days
        ages.append(days / 365.25)
    assert abs(fmean(ages) - cited.mean_years) <= 4 * cited.sd_years / math.sqrt(N)
    assert abs(pstdev(ages) - cited.sd_years) <= 1.0  # truncation to adult ages narrows it slightly
    assert min(ages) >= 18 - 0.01
