"""The 2x2 crossover analysis against hand calculation on six subjects."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from spsreg.trials.crossover import CARRY_OVER_CAVEAT, CrossoverSubject, analyse_crossover

# AB: treatment A in period 1. Period differences d = y1 - y2: AB 2, 1, 1; BA -2, 0, -3.
SUBJECTS = [
    CrossoverSubject("S1", "AB", 5, 3),
    CrossoverSubject("S2", "AB", 6, 5),
    CrossoverSubject("S3", "AB", 4, 3),
    CrossoverSubject("S4", "BA", 3, 5),
    CrossoverSubject("S5", "BA", 4, 4),
    CrossoverSubject("S6", "BA", 2, 5),
]


def test_treatment_and_period_effects_by_hand() -> None:
    result = analyse_crossover(SUBJECTS)
    mean_ab, mean_ba = 4 / 3, -5 / 3
    # pooled variance of d: SS_AB = 2/3, SS_BA = 42/9, df = 4
    pooled = (2 / 3 + 42 / 9) / 4
    se = math.sqrt(pooled * (1 / 3 + 1 / 3)) / 2
    assert result.treatment.estimate == pytest.approx((mean_ab - mean_ba) / 2) == 1.5
    assert result.period.estimate == pytest.approx((mean_ab + mean_ba) / 2)
    assert result.treatment.se == pytest.approx(se) == pytest.approx(math.sqrt(8 / 9) / 2)
    assert result.treatment.df == 4
    t975 = stats.t.ppf(0.975, 4)
    assert result.treatment.ci_low == pytest.approx(1.5 - t975 * se)
    assert result.treatment.ci_high == pytest.approx(1.5 + t975 * se)
    assert result.treatment.p_value == pytest.approx(2 * stats.t.sf(1.5 / se, 4))


def test_treatment_p_value_is_the_two_sample_t_test_of_period_differences() -> None:
    result = analyse_crossover(SUBJECTS)
    d_ab = [s.period1 - s.period2 for s in SUBJECTS if s.sequence == "AB"]
    d_ba = [s.period1 - s.period2 for s in SUBJECTS if s.sequence == "BA"]
    assert result.treatment.p_value == pytest.approx(stats.ttest_ind(d_ab, d_ba).pvalue)


def test_carry_over_compares_subject_totals() -> None:
    result = analyse_crossover(SUBJECTS)
    totals_ab, totals_ba = [8, 11, 7], [8, 8, 7]
    assert result.carry_over.estimate == pytest.approx(26 / 3 - 23 / 3)
    assert result.carry_over.p_value == pytest.approx(stats.ttest_ind(totals_ab, totals_ba).pvalue)
    assert CARRY_OVER_CAVEAT in result.notes
    assert "two-stage" in CARRY_OVER_CAVEAT


def test_a_period_shift_changes_the_period_effect_not_the_treatment_effect() -> None:
    shifted = [
        CrossoverSubject(s.subject, s.sequence, s.period1, s.period2 - 10.0) for s in SUBJECTS
    ]
    plain, moved = analyse_crossover(SUBJECTS), analyse_crossover(shifted)
    assert moved.treatment.estimate == pytest.approx(plain.treatment.estimate)
    assert moved.treatment.se == pytest.approx(plain.treatment.se)
    assert moved.period.estimate == pytest.approx(plain.period.estimate + 10.0)


def test_subject_levels_cancel() -> None:
    raised = [
        CrossoverSubject(s.subject, s.sequence, s.period1 + i * 7.0, s.period2 + i * 7.0)
        for i, s in enumerate(SUBJECTS)
    ]
    assert analyse_crossover(raised).treatment == analyse_crossover(SUBJECTS).treatment


def test_too_few_subjects_and_bad_sequences_are_refused() -> None:
    with pytest.raises(ValueError, match="two subjects in each sequence"):
        analyse_crossover(SUBJECTS[:4])
    with pytest.raises(ValueError, match="AB or BA"):
        CrossoverSubject("S9", "AA", 1, 2)


def test_the_document_has_every_part() -> None:
    document = analyse_crossover(SUBJECTS).to_document()
    assert document["n"] == 6 and document["n_by_sequence"] == {"AB": 3, "BA": 3}
    assert set(document) == {"n", "n_by_sequence", "effect", "period_effect", "carry_over", "notes"}
