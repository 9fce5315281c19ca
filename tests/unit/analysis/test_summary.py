"""Cohort summary table: denominators, the right test named, p-values checked against scipy."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
from frames_builders import (
    build_frames,
    comorbidity_row,
    outcome_row,
    patient_row,
    synthetic_frames,
)
from scipy import stats

from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.summary import (
    ANOVA,
    CHI_SQUARE,
    CHI_SQUARE_YATES,
    FISHER_EXACT,
    FISHER_FREEMAN_HALTON,
    KRUSKAL_WALLIS,
    SummaryTable,
    cohort_summary,
    compare_categories,
    compare_numbers,
)

# --- categorical tests -------------------------------------------------------------------------


def test_fisher_exact_when_an_expected_count_is_below_five() -> None:
    # scipy's documented example: [[8, 2], [1, 5]] gives p = 0.0349650...
    result = compare_categories(np.array([[8, 2], [1, 5]]))
    assert result.test == FISHER_EXACT
    assert result.p == pytest.approx(0.03496503496503495)
    assert "expected count below 5" in result.reason
    # Fisher's lady tasting tea: 3 of 4 cups right, p = 0.4857
    assert compare_categories(np.array([[3, 1], [1, 3]])).p == pytest.approx(0.4857142857142857)


def test_yates_chi_square_for_a_large_two_by_two_table() -> None:
    table = np.array([[30, 20], [15, 35]])
    result = compare_categories(table)
    assert result.test == CHI_SQUARE_YATES
    # Yates-corrected statistic by hand: sum((|O - E| - 0.5)^2 / E) with every E = 25 or 25
    expected = np.array([[22.5, 27.5], [22.5, 27.5]])
    statistic = (((np.abs(table - expected) - 0.5) ** 2) / expected).sum()
    assert result.p == pytest.approx(float(stats.chi2.sf(statistic, 1)))
    assert result.p == pytest.approx(float(stats.chi2_contingency(table).pvalue))


def test_pearson_chi_square_for_a_larger_table_with_enough_counts() -> None:
    table = np.array([[20, 15, 10], [10, 15, 25]])
    result = compare_categories(table)
    assert result.test == CHI_SQUARE
    assert result.p == pytest.approx(float(stats.chi2_contingency(table, correction=False).pvalue))
    assert result.reason == "2x3 table, every expected count 5 or more"


def test_fisher_freeman_halton_for_a_sparse_larger_table_is_reproducible() -> None:
    table = np.array([[3, 1, 2], [1, 4, 0], [0, 2, 5]])
    first, second = compare_categories(table), compare_categories(table)
    assert first.test == FISHER_FREEMAN_HALTON
    assert first.p == second.p
    assert first.p is not None and 0.0 < first.p < 1.0
    assert "9 of 9 cells" in first.reason and "seed" in first.reason
    # Monte Carlo p-value close to a large independent simulation of the same test
    reference = stats.fisher_exact(
        table,
        method=stats.MonteCarloMethod(n_resamples=50_000, rng=np.random.default_rng(1)),
    ).pvalue
    assert first.p == pytest.approx(float(reference), abs=0.02)


def test_a_monte_carlo_p_value_returned_as_an_array_is_read() -> None:
    """scipy returns this table's Monte Carlo p-value as an array of shape (1,)."""
    table = np.array([[0, 1, 0], [0, 6, 1], [1, 0, 0], [1, 0, 0], [2, 0, 0]])
    result = compare_categories(table)
    assert result.test == FISHER_FREEMAN_HALTON
    assert result.p is not None and 0.0 <= result.p <= 1.0


def test_empty_rows_and_columns_are_dropped_before_testing() -> None:
    assert compare_categories(np.array([[8, 2, 0], [1, 5, 0], [0, 0, 0]])).test == FISHER_EXACT
    one_group = compare_categories(np.array([[8, 2], [0, 0]]))
    assert one_group.test == "not tested" and one_group.p is None


# --- numeric tests -----------------------------------------------------------------------------


def test_ordinal_scales_always_use_kruskal_wallis() -> None:
    groups = [np.array([1.0, 2, 2, 3, 4]), np.array([3.0, 4, 4, 5, 6]), np.array([2.0, 2, 3])]
    result = compare_numbers(groups, ordinal=True)
    assert result.test == KRUSKAL_WALLIS
    assert result.p == pytest.approx(float(stats.kruskal(*groups).pvalue))
    assert result.reason == "ordinal clinical scale: rank-based test"


def test_normal_numbers_use_anova() -> None:
    rng = np.random.default_rng(3)
    groups = [rng.normal(50, 8, 40), rng.normal(55, 8, 35)]
    result = compare_numbers(groups, ordinal=False, labels=["classic", "perm"])
    assert result.test == ANOVA
    assert result.p == pytest.approx(float(stats.f_oneway(*groups).pvalue))
    assert "Shapiro-Wilk p >= 0.05 in every group" in result.reason


def test_skewed_numbers_use_kruskal_wallis_and_name_the_group() -> None:
    rng = np.random.default_rng(4)
    groups = [rng.normal(10, 1, 40), rng.exponential(5.0, 40)]
    result = compare_numbers(groups, ordinal=False, labels=["classic", "perm"])
    assert result.test == KRUSKAL_WALLIS
    assert result.p == pytest.approx(float(stats.kruskal(*groups).pvalue))
    assert result.reason == "Shapiro-Wilk p < 0.05 in perm (skewed)"


def test_tiny_or_uniform_groups_are_handled() -> None:
    small = compare_numbers([np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])], ordinal=False)
    assert small.test == KRUSKAL_WALLIS and "fewer than 3 values" in small.reason
    same = compare_numbers([np.array([2.0, 2.0]), np.array([2.0, 2.0])], ordinal=False)
    assert same.test == "not tested" and same.reason == "every value is the same"
    alone = compare_numbers([np.array([2.0, 3.0]), np.array([np.nan])], ordinal=True)
    assert alone.test == "not tested" and alone.p is None


# --- the table ---------------------------------------------------------------------------------


BIRTH_YEARS = [1960.0, 1955.0, 1972.0, 1948.0, 1966.0, 1950.0, 1970.0, 1962.0, 1958.0]


def hand_cohort() -> CohortFrames:
    """Five classic and four PERM patients, one with phenotype not recorded."""
    patients = []
    sexes = ["female", "female", "female", "male", "male", "female", "male", "male", "male"]
    for index, sex in enumerate(sexes):
        patients.append(
            patient_row(
                f"p{index}",
                sex=sex,
                phenotype="classic" if index < 5 else "perm",
                birth_year=BIRTH_YEARS[index],
                diagnosis_date=date(2010 + index, 7, 1),
                gad65_status="high_titre" if index % 2 == 0 else "negative",
            )
        )
    patients.append(patient_row("p9", phenotype=None, sex="female", diagnosis_date=None))
    outcomes = [outcome_row(f"p{i}", "stiffness_index", 30, float(i % 5)) for i in range(9)]
    outcomes += [outcome_row(f"p{i}", "stiffness_index", 10, 6.0) for i in (0, 5)]  # earlier
    comorbidities = [
        comorbidity_row("p0", "type_1_diabetes"),
        comorbidity_row("p6", "type_1_diabetes"),
    ]
    return build_frames(730, patients=patients, outcomes=outcomes, comorbidities=comorbidities)


def _row(table: SummaryTable, variable: str, level: str | None = None) -> dict[str, object]:
    frame = table.to_frame()
    rows = frame.loc[
        (frame["variable"] == variable) & (frame["level"].fillna("-") == (level or "-"))
    ]
    assert len(rows) == 1, (variable, level)
    return dict(rows.iloc[0])


def test_summary_shows_counts_with_denominators_per_group() -> None:
    table = cohort_summary(hand_cohort(), by="phenotype")
    assert table.groups == ("classic", "perm", "not recorded")
    assert table.group_sizes == (5, 4, 1)
    assert table.n == 10
    female = _row(table, "Sex", "female")
    assert female["overall"] == "5/10 (50.0%)"
    assert (female["classic"], female["perm"], female["not recorded"]) == (
        "3/5 (60.0%)",
        "1/4 (25.0%)",
        "1/1 (100.0%)",
    )
    # sex: classic 3F/2M vs perm 1F/3M (not-recorded left out) -> 2x2 with small expected counts
    assert female["test"] == FISHER_EXACT
    assert female["p"] == pytest.approx(float(stats.fisher_exact([[3, 2], [1, 3]]).pvalue))
    assert _row(table, "Sex", "male")["test"] is None  # the test is shown once per variable
    diabetes = _row(table, "Comorbidity: type 1 diabetes", "yes")
    assert (diabetes["classic"], diabetes["perm"]) == ("1/5 (20.0%)", "1/4 (25.0%)")
    assert any("not recorded are shown but left out of the tests" in n for n in table.notes)


def test_summary_numbers_use_the_first_value_and_the_ordinal_rule() -> None:
    table = cohort_summary(hand_cohort(), by="phenotype")
    baseline = _row(table, "Stiffness index at baseline (0-6)")
    # first values: classic p0=6 (day 10), p1..p4 = 1,2,3,4; perm p5=6 (day 10), p6..p8 = 1,2,3
    assert baseline["classic"] == "3.0 [2.0-4.0] (n=5/5)"
    assert baseline["perm"] == "2.5 [1.8-3.8] (n=4/4)"
    assert baseline["not recorded"] == "no value (n=0/1)"
    assert baseline["test"] == KRUSKAL_WALLIS
    expected = stats.kruskal([6.0, 1, 2, 3, 4], [6.0, 1, 2, 3]).pvalue
    assert baseline["p"] == pytest.approx(float(expected))
    age = _row(table, "Age at diagnosis (years)")
    # diagnosis on 1 July of 2010+i; age counted from 1 July of the birth year
    ages = [
        (date(2010 + i, 7, 1) - date(int(year), 7, 1)).days / 365.25
        for i, year in enumerate(BIRTH_YEARS)
    ]
    assert age["overall"].endswith("(n=9/10)")  # p9 has no diagnosis date
    assert age["not recorded"] == "no value (n=0/1)"
    classic, perm = ages[:5], ages[5:]
    assert age["classic"] == (
        f"{np.median(classic):.1f} [{np.quantile(classic, 0.25):.1f}-"
        f"{np.quantile(classic, 0.75):.1f}] (n=5/5)"
    )
    assert age["test"] == ANOVA  # both groups pass Shapiro-Wilk
    assert min(stats.shapiro(classic).pvalue, stats.shapiro(perm).pvalue) >= 0.05
    assert age["p"] == pytest.approx(float(stats.f_oneway(classic, perm).pvalue))


def test_ungrouped_summary_has_no_tests() -> None:
    table = cohort_summary(hand_cohort(), by=None)
    assert table.groups == () and table.by is None
    frame = table.to_frame()
    assert list(frame.columns) == ["variable", "level", "overall", "test", "p", "reason"]
    assert frame["test"].isna().all()
    assert _row(table, "Patients")["overall"] == "10"


def test_unknown_grouping_column_is_refused() -> None:
    with pytest.raises(ValueError, match="not a column"):
        cohort_summary(hand_cohort(), by="favourite_colour")


def test_document_is_json_ready() -> None:
    document = cohort_summary(hand_cohort(), by="sex").to_document()
    assert json.loads(json.dumps(document)) == document
    assert document["groups"] == [{"label": "female", "n": 5}, {"label": "male", "n": 5}]
    first_test = next(row["comparison"] for row in document["rows"] if row["comparison"])
    assert set(first_test) == {"test", "p", "reason"}


def test_synthetic_cohort_summary_by_site() -> None:
    frames = synthetic_frames()
    table = cohort_summary(frames, by="site_id")
    assert sum(table.group_sizes) == len(frames.patients)
    tests = {row.comparison.test for row in table.rows if row.comparison is not None}
    assert tests <= {
        FISHER_EXACT,
        CHI_SQUARE,
        CHI_SQUARE_YATES,
        FISHER_FREEMAN_HALTON,
        KRUSKAL_WALLIS,
        ANOVA,
        "not tested",
    }
    for row in table.rows:
        if row.comparison is not None and row.comparison.p is not None:
            assert 0.0 <= row.comparison.p <= 1.0
    assert json.dumps(table.to_document())
