"""Summary table of a cohort ("Table 1"), optionally compared across groups with the right test.

Rows: sex, age at diagnosis, disease duration, GAD65 band, glycine-receptor antibody, each
comorbidity recorded in the cohort, and each visit outcome at baseline (the patient's first
recorded value). Categories are shown as ``count/patients (percent)``, numbers as ``median
[interquartile range] (n=patients with a value/patients)``, so that every percentage carries its
denominator and missing values are visible.

Which test compares the groups (each row names it and says why):

* categories, 2x2 table: **Fisher exact test** when any expected count is below 5, otherwise
  **Pearson chi-square with Yates continuity correction**;
* categories, larger tables: **Pearson chi-square** when every expected count is at least 5,
  otherwise the **Fisher-Freeman-Halton exact test** with a Monte Carlo p-value (9,999 random
  tables with the observed margins, fixed seed, so the p-value is reproducible);
* numbers on an ordinal clinical scale (stiffness index, heightened sensitivity, modified Rankin
  scale): **Kruskal-Wallis test**, always (ranks suit ordinal scores);
* other numbers (age, disease duration, timed 25-foot walk): **one-way ANOVA** when Shapiro-Wilk
  does not reject normality (p >= 0.05) in any group, otherwise **Kruskal-Wallis** (skewed).

Patients whose grouping value is not recorded are shown as their own column but left out of the
tests. The tests describe differences between groups of registered patients; they are not adjusted
for multiple comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats.contingency import expected_freq

from spsreg.analysis.cohort import frame_document, json_value
from spsreg.analysis.frames import CohortFrames

__all__ = [
    "ANOVA",
    "CHI_SQUARE",
    "CHI_SQUARE_YATES",
    "FISHER_EXACT",
    "FISHER_FREEMAN_HALTON",
    "KRUSKAL_WALLIS",
    "NOT_RECORDED",
    "ORDINAL_OUTCOMES",
    "GroupComparison",
    "SummaryRow",
    "SummaryTable",
    "cohort_summary",
    "compare_categories",
    "compare_numbers",
]

FISHER_EXACT = "Fisher exact test"
CHI_SQUARE_YATES = "Pearson chi-square test (Yates continuity correction)"
CHI_SQUARE = "Pearson chi-square test"
FISHER_FREEMAN_HALTON = "Fisher-Freeman-Halton exact test (Monte Carlo p-value)"
KRUSKAL_WALLIS = "Kruskal-Wallis test"
ANOVA = "One-way ANOVA"
NOT_TESTED = "not tested"
NOT_RECORDED = "not recorded"
MONTE_CARLO_TABLES = 9999
MONTE_CARLO_SEED = 20261121
NORMALITY_ALPHA = 0.05
SHAPIRO_MAX_N = 5000

ORDINAL_OUTCOMES: tuple[str, ...] = ("stiffness_index", "heightened_sensitivity", "mrs")
"""Outcomes on ordinal clinical scales: always compared with Kruskal-Wallis."""

BASELINE_OUTCOMES: dict[str, str] = {
    "stiffness_index": "Stiffness index at baseline (0-6)",
    "heightened_sensitivity": "Heightened sensitivity at baseline (score)",
    "t25fw": "Timed 25-foot walk at baseline (s)",
    "mrs": "Modified Rankin scale at baseline (grade)",
}


@dataclass(frozen=True)
class GroupComparison:
    """A test across groups: its name, p-value (None when not tested) and why it was chosen."""

    test: str
    p: float | None
    reason: str

    def to_document(self) -> dict[str, Any]:
        return {"test": self.test, "p": json_value(self.p), "reason": self.reason}


@dataclass(frozen=True)
class SummaryRow:
    """One line of the table: a variable (and category level), overall and per-group cells."""

    variable: str
    level: str | None
    overall: str
    groups: tuple[str, ...]
    comparison: GroupComparison | None = None


@dataclass(frozen=True)
class SummaryTable:
    """The cohort summary; ``groups`` are the column labels of ``by`` (empty when not grouped)."""

    by: str | None
    n: int
    groups: tuple[str, ...]
    group_sizes: tuple[int, ...]
    rows: tuple[SummaryRow, ...]
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """Columns ``variable, level, overall, <one per group>, test, p, reason``."""
        records = []
        for row in self.rows:
            record: dict[str, Any] = {
                "variable": row.variable,
                "level": row.level,
                "overall": row.overall,
            }
            record.update(zip(self.groups, row.groups, strict=True))
            comparison = row.comparison
            record["test"] = comparison.test if comparison else None
            record["p"] = comparison.p if comparison and comparison.p is not None else np.nan
            record["reason"] = comparison.reason if comparison else None
            records.append(record)
        columns = ["variable", "level", "overall", *self.groups, "test", "p", "reason"]
        return pd.DataFrame.from_records(records, columns=columns)

    def to_document(self) -> dict[str, Any]:
        """Stable JSON-ready form (NaN -> None)."""
        return {
            "by": self.by,
            "n": self.n,
            "groups": [
                {"label": label, "n": size}
                for label, size in zip(self.groups, self.group_sizes, strict=True)
            ],
            "rows": [
                {
                    "variable": row.variable,
                    "level": row.level,
                    "overall": row.overall,
                    "groups": list(row.groups),
                    "comparison": row.comparison.to_document() if row.comparison else None,
                }
                for row in self.rows
            ],
            "notes": list(self.notes),
            "table": frame_document(self.to_frame()),
        }


def compare_categories(table: np.ndarray) -> GroupComparison:
    """Test association in a groups x categories table of counts (rules in the module text)."""
    counts = np.asarray(table, dtype=np.int64)
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if counts.ndim != 2 or counts.shape[0] < 2 or counts.shape[1] < 2:
        return GroupComparison(NOT_TESTED, None, "fewer than two groups or categories with data")
    expected = expected_freq(counts)
    small = int((expected < 5).sum())
    if counts.shape == (2, 2):
        if small:
            p = float(stats.fisher_exact(counts).pvalue)
            return GroupComparison(FISHER_EXACT, p, "2x2 table with an expected count below 5")
        p = float(stats.chi2_contingency(counts, correction=True).pvalue)
        return GroupComparison(CHI_SQUARE_YATES, p, "2x2 table, every expected count 5 or more")
    shape = f"{counts.shape[0]}x{counts.shape[1]} table"
    if small:
        method = stats.MonteCarloMethod(
            n_resamples=MONTE_CARLO_TABLES, rng=np.random.default_rng(MONTE_CARLO_SEED)
        )
        # scipy may return the Monte Carlo p-value as a one-element array
        p = float(np.ravel(stats.fisher_exact(counts, method=method).pvalue)[0])
        reason = (
            f"{shape} with an expected count below 5 in {small} of {expected.size} cells "
            f"(chi-square would be unreliable); {MONTE_CARLO_TABLES} random tables, seed "
            f"{MONTE_CARLO_SEED}"
        )
        return GroupComparison(FISHER_FREEMAN_HALTON, p, reason)
    p = float(stats.chi2_contingency(counts, correction=False).pvalue)
    return GroupComparison(CHI_SQUARE, p, f"{shape}, every expected count 5 or more")


def compare_numbers(
    groups: list[np.ndarray], *, ordinal: bool, labels: list[str] | None = None
) -> GroupComparison:
    """Compare a number across groups: Kruskal-Wallis or one-way ANOVA (module text).

    ``labels`` name the groups in the reason text (default: group 1, group 2, ...).
    """
    names = labels if labels is not None else [f"group {i}" for i in range(1, len(groups) + 1)]
    pairs = [(name, np.asarray(g, dtype=float)) for name, g in zip(names, groups, strict=True)]
    pairs = [(name, s[np.isfinite(s)]) for name, s in pairs]
    pairs = [(name, s) for name, s in pairs if s.size]
    samples = [s for _, s in pairs]
    if len(samples) < 2:
        return GroupComparison(NOT_TESTED, None, "fewer than two groups with a value")
    if np.ptp(np.concatenate(samples)) == 0:
        return GroupComparison(NOT_TESTED, None, "every value is the same")
    if ordinal:
        p = float(stats.kruskal(*samples).pvalue)
        return GroupComparison(KRUSKAL_WALLIS, p, "ordinal clinical scale: rank-based test")
    skewed = _non_normal_group(pairs)
    if skewed is not None:
        return GroupComparison(KRUSKAL_WALLIS, float(stats.kruskal(*samples).pvalue), skewed)
    p = float(stats.f_oneway(*samples).pvalue)
    reason = f"Shapiro-Wilk p >= {NORMALITY_ALPHA} in every group (roughly normal)"
    return GroupComparison(ANOVA, p, reason)


def _non_normal_group(samples: list[tuple[str, np.ndarray]]) -> str | None:
    """Why the samples should not be taken as normal, or None when they may be."""
    for name, sample in samples:
        if sample.size < 3:
            return f"{name} has fewer than 3 values, so normality cannot be checked"
        if np.ptp(sample) == 0:
            return f"{name} has a single repeated value (not normal)"
        if sample.size > SHAPIRO_MAX_N:
            rng = np.random.default_rng(MONTE_CARLO_SEED)
            sample = rng.choice(sample, size=SHAPIRO_MAX_N, replace=False)
        if float(stats.shapiro(sample).pvalue) < NORMALITY_ALPHA:
            return f"Shapiro-Wilk p < {NORMALITY_ALPHA} in {name} (skewed)"
    return None


def cohort_summary(frames: CohortFrames, by: str | None = "phenotype") -> SummaryTable:
    """The summary table of ``frames``, with columns per value of the patients column ``by``."""
    patients = frames.patients.reset_index(drop=True)
    if by is not None and by not in patients.columns:
        raise ValueError(f"cannot group by {by!r}: not a column of the patients frame")
    group = (
        patients[by].astype(object).where(patients[by].notna(), NOT_RECORDED).astype(str)
        if by is not None
        else pd.Series("all", index=patients.index)
    )
    labels = sorted(set(group), key=lambda g: (g == NOT_RECORDED, g)) if by is not None else []
    tested = [label for label in labels if label != NOT_RECORDED]
    builder = _Rows(group, labels, tested)
    builder.categorical("Sex", patients["sex"])
    birth = pd.to_datetime(
        patients["birth_year"].astype("Int64").astype(str) + "-07-01", errors="coerce"
    )
    builder.numeric("Age at diagnosis (years)", _years(patients["diagnosis_date"] - birth), False)
    duration = _years(patients["follow_up_end"] - patients["onset_date"])
    builder.numeric("Disease duration, onset to end of follow-up (years)", duration, False)
    builder.categorical("GAD65 antibody", patients["gad65_status"])
    builder.categorical("Glycine-receptor antibody", patients["glyr_status"])
    as_of = pd.Timestamp(frames.as_of)
    comorbid = frames.comorbidities
    comorbid = comorbid.loc[comorbid["diagnosed_on"].isna() | (comorbid["diagnosed_on"] <= as_of)]
    for kind in sorted(comorbid["kind"].dropna().unique()):
        ids = set(comorbid.loc[comorbid["kind"] == kind, "patient_id"])
        present = patients["patient_id"].isin(ids).map({True: "yes", False: "no"})
        label = f"Comorbidity: {str(kind).replace('_', ' ')}"
        builder.categorical(label, present, show_levels=("yes",))
    outcomes = frames.outcomes.loc[frames.outcomes["value"].notna()]
    for outcome, label in BASELINE_OUTCOMES.items():
        rows = outcomes.loc[outcomes["outcome"] == outcome]
        if rows.empty:
            continue
        first = rows.sort_values(["patient_id", "date"], kind="stable").drop_duplicates(
            "patient_id"
        )
        values = patients["patient_id"].map(first.set_index("patient_id")["value"])
        builder.numeric(label, values.astype(float), outcome in ORDINAL_OUTCOMES)
    notes = [
        "Categories: count/patients in the column (percent). Numbers: median [interquartile "
        "range] (n=patients with a value/patients in the column).",
        "Age at diagnosis is counted from 1 July of the birth year (the frames keep the birth "
        "year only), so it may be off by up to half a year.",
        "Baseline outcome = the patient's first recorded value.",
    ]
    if NOT_RECORDED in labels:
        notes.append(f"Patients with {by} not recorded are shown but left out of the tests.")
    sizes = tuple(int((group == label).sum()) for label in labels)
    return SummaryTable(
        by=by,
        n=len(patients),
        groups=tuple(labels),
        group_sizes=sizes,
        rows=tuple(builder.rows),
        notes=tuple(notes),
    )


def _years(delta: pd.Series) -> pd.Series:
    years: pd.Series = (delta.dt.days / 365.25).astype(float)
    return years


class _Rows:
    """Accumulates the rows of a summary table for one grouping of the patients."""

    def __init__(self, group: pd.Series, labels: list[str], tested: list[str]) -> None:
        self.group, self.labels, self.tested = group, labels, tested
        self.rows: list[SummaryRow] = [
            SummaryRow(
                "Patients",
                None,
                str(len(group)),
                tuple(str(int((group == label).sum())) for label in labels),
            )
        ]

    def categorical(
        self, variable: str, values: pd.Series, show_levels: tuple[str, ...] | None = None
    ) -> None:
        values = values.astype(object).where(values.notna(), NOT_RECORDED).astype(str)
        levels = sorted(set(values), key=lambda v: (v == NOT_RECORDED, v))
        counts = pd.crosstab(self.group, values)
        table = counts.reindex(index=self.tested, columns=[v for v in levels if v != NOT_RECORDED])
        comparison = (
            compare_categories(table.fillna(0).to_numpy()) if len(self.tested) > 1 else None
        )
        for index, level in enumerate(show_levels or tuple(levels)):
            in_level = values == level
            cells = tuple(
                _share(
                    int((in_level & (self.group == label)).sum()), int((self.group == label).sum())
                )
                for label in self.labels
            )
            overall = _share(int(in_level.sum()), len(values))
            self.rows.append(
                SummaryRow(variable, level, overall, cells, comparison if index == 0 else None)
            )

    def numeric(self, variable: str, values: pd.Series, ordinal: bool) -> None:
        samples = [values[self.group == label].to_numpy(dtype=float) for label in self.tested]
        comparison = (
            compare_numbers(samples, ordinal=ordinal, labels=self.tested)
            if len(self.tested) > 1
            else None
        )
        cells = tuple(_describe(values[self.group == label]) for label in self.labels)
        self.rows.append(SummaryRow(variable, None, _describe(values), cells, comparison))


def _share(count: int, total: int) -> str:
    if total == 0:
        return "0/0"
    return f"{count}/{total} ({100.0 * count / total:.1f}%)"


def _describe(values: pd.Series) -> str:
    known = values.dropna()
    if known.empty:
        return f"no value (n=0/{len(values)})"
    q1, median, q3 = (float(known.quantile(q)) for q in (0.25, 0.5, 0.75))
    return f"{median:.1f} [{q1:.1f}-{q3:.1f}] (n={len(known)}/{len(values)})"
