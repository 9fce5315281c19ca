"""The case series report: every part of the cohort evidence, named by pseudonyms, in any format.

The evidence is computed by the analysis modules on a small synthetic cohort and handed to the
report as the analytics service's own ``CohortAnalysis`` (which the report reads through its
``CohortEvidence`` protocol); the known answers are the analysis results themselves, as the
report must print them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from spsreg.analysis.cohort import CohortFilter
from spsreg.analysis.frames import frames_from_records
from spsreg.analysis.lines import line_sequences, therapy_lines
from spsreg.analysis.mixed_model import fit_outcome_model
from spsreg.analysis.rates import response_rates, wilson_interval
from spsreg.analysis.response import cohort_responses
from spsreg.analysis.settings import DEFAULT_SETTINGS
from spsreg.analysis.starts import therapy_starts
from spsreg.analysis.summary import cohort_summary
from spsreg.analysis.survival import time_to_discontinuation
from spsreg.reports.case_report import DISCLAIMER
from spsreg.reports.cohort_report import MAX_TRAJECTORIES, build_cohort_report
from spsreg.reports.render import (
    BulletList,
    FigureBlock,
    Paragraph,
    ReportDocument,
    TableBlock,
    render_html,
    write_report,
)
from spsreg.services.analytics import CohortAnalysis
from spsreg.synth import CohortConfig, iter_synthetic_patients

CONFIG = CohortConfig(patients=40, sites=2, years=3, seed=31)
RECORDS = [p.record for p in iter_synthetic_patients(CONFIG)]


def evidence_for(therapies: tuple[str, ...], chosen: CohortFilter) -> CohortAnalysis:
    frames = chosen.apply(frames_from_records(RECORDS, as_of=CONFIG.end_date))
    starts = therapy_starts(frames)
    responses = cohort_responses(frames)
    if therapies:
        starts = starts.loc[starts["therapy"].isin(therapies)].reset_index(drop=True)
        responses = responses.loc[responses["therapy"].isin(therapies)].reset_index(drop=True)
    reported = therapies or tuple(sorted(set(starts["therapy"])))
    lines = therapy_lines(frames)
    return CohortAnalysis(
        frames=frames,
        pseudonyms={r.patient.id: r.patient.pseudonym for r in RECORDS},
        cohort_filter=chosen,
        outcome="stiffness_index",
        therapies=reported,
        settings=DEFAULT_SETTINGS,
        starts=starts,
        responses=responses,
        rates=response_rates(responses, "stiffness_index"),
        survival=tuple(
            time_to_discontinuation(frames, t)
            for t in reported
            if t in set(frames.courses["therapy"])
        ),
        model=fit_outcome_model(frames, "stiffness_index"),
        lines=lines,
        sequences=line_sequences(lines, patient_ids=frames.patients["patient_id"]),
        summary=cohort_summary(frames),
    )


@pytest.fixture(scope="module")
def evidence() -> CohortAnalysis:
    return evidence_for(("diazepam",), CohortFilter(therapies=("diazepam",)))


@pytest.fixture(scope="module")
def report(evidence: CohortAnalysis) -> ReportDocument:
    return build_cohort_report(evidence)


def blocks(document: ReportDocument, title: str) -> list[object]:
    for section in document.sections:
        if section.title == title:
            return list(section.blocks)
    raise AssertionError(f"no section {title!r} in {[s.title for s in document.sections]}")


def first(document: ReportDocument, title: str, kind: type) -> object:
    return next(b for b in blocks(document, title) if isinstance(b, kind))


def test_the_sections_of_a_case_series(report: ReportDocument, evidence: CohortAnalysis) -> None:
    assert [s.title for s in report.sections] == [
        "Cohort and methods",
        "Cohort summary",
        "Response rates: Stiffness index",
        "Outcomes around therapy start",
        "Time to treatment discontinuation",
        "Lines of immunotherapy",
        "Mixed-effects model of the outcome over time",
        "Limitations",
    ]
    n = len(evidence.frames.patients)
    assert report.title == "Case series: Diazepam"
    assert report.subtitle.startswith(f"{n} patients") and "started Diazepam" in report.subtitle
    assert report.data_note == f"Registry data as of {CONFIG.end_date.isoformat()}."
    assert report.disclaimer == DISCLAIMER


def test_methods_state_the_filters_and_the_rules(report: ReportDocument) -> None:
    methods = first(report, "Cohort and methods", BulletList)
    assert isinstance(methods, BulletList)
    text = " ".join(methods.items)
    assert "Selection: Patients: started Diazepam." in text
    assert f"Analysis date: {CONFIG.end_date.isoformat()}" in text
    assert "at least 50% of the baseline mean" in text and "Wilson" in text


def test_the_summary_table_names_each_test(
    report: ReportDocument, evidence: CohortAnalysis
) -> None:
    summary = first(report, "Cohort summary", TableBlock)
    assert isinstance(summary, TableBlock)
    groups = evidence.summary.groups
    assert summary.columns[2] == f"all (n={evidence.summary.n})"
    assert summary.columns[3 : 3 + len(groups)] == tuple(
        f"{g} (n={n})" for g, n in zip(groups, evidence.summary.group_sizes, strict=True)
    )
    assert len(summary.rows) == len(evidence.summary.rows)
    named = {row.comparison.test for row in evidence.summary.rows if row.comparison}
    assert named and named <= {row[-2] for row in summary.rows}
    assert any("/" in row[2] and "%" in row[2] for row in summary.rows)  # n/N (x%)


def test_response_rates_with_wilson_intervals(
    report: ReportDocument, evidence: CohortAnalysis
) -> None:
    rates = first(report, "Response rates: Stiffness index", TableBlock)
    assert isinstance(rates, TableBlock)
    (expected,) = evidence.rates.itertuples()
    (row,) = rates.rows
    assert row[0] == "Diazepam"
    assert row[1] == f"{expected.responders}/{expected.assessable}"
    assert expected.assessable > 0
    low, high = wilson_interval(int(expected.responders), int(expected.assessable))
    assert row[2] == f"{100 * expected.responders / expected.assessable:.1f}%"
    assert row[3] == f"[{100 * low:.1f}, {100 * high:.1f}]"
    assert row[4] == str(expected.not_assessable)
    forest = first(report, "Response rates: Stiffness index", FigureBlock)
    assert isinstance(forest, FigureBlock) and forest.name == "forest"


def test_known_rate_formatting(evidence: CohortAnalysis) -> None:
    low, high = wilson_interval(3, 4)
    rates = pd.DataFrame(
        {
            "therapy": ["ivig"],
            "responders": [3],
            "assessable": [4],
            "rate": [0.75],
            "low": [low],
            "high": [high],
            "not_assessable": [2],
        }
    )
    document = build_cohort_report(replace(evidence, rates=rates, therapies=("ivig",)))
    table = first(document, "Response rates: Stiffness index", TableBlock)
    assert isinstance(table, TableBlock)
    assert table.rows == (
        ("Intravenous immunoglobulin (IVIG)", "3/4", "75.0%", "[30.1, 95.4]", "2"),
    )


def test_discontinuation_table_curves_and_censoring(
    report: ReportDocument, evidence: CohortAnalysis
) -> None:
    table = first(report, "Time to treatment discontinuation", TableBlock)
    assert isinstance(table, TableBlock)
    (survival,) = evidence.survival
    (row,) = table.rows
    assert row[:4] == ("Diazepam", str(survival.n), str(survival.events), str(survival.censored))
    figure = first(report, "Time to treatment discontinuation", FigureBlock)
    assert isinstance(figure, FigureBlock) and "Number at risk" in figure.svg
    notes = first(report, "Time to treatment discontinuation", BulletList)
    assert isinstance(notes, BulletList) and notes.items == (survival.censoring_note,)


def test_the_swimmer_plot_names_patients_by_pseudonym(
    report: ReportDocument, evidence: CohortAnalysis
) -> None:
    figure = first(report, "Lines of immunotherapy", FigureBlock)
    assert isinstance(figure, FigureBlock) and figure.name == "swimmer"
    with_lines = set(evidence.lines["patient_id"])
    assert with_lines, "the cohort has immunotherapy lines"
    assert any(evidence.pseudonyms[p] in figure.svg for p in with_lines)
    assert not any(re.search(rf"\b{re.escape(p)}\b", figure.svg) for p in with_lines)
    sequences = first(report, "Lines of immunotherapy", TableBlock)
    assert isinstance(sequences, TableBlock)
    assert sum(int(r[1]) for r in sequences.rows) == len(evidence.frames.patients)


def test_the_model_table_and_a_model_not_asked_for(
    report: ReportDocument, evidence: CohortAnalysis
) -> None:
    table = first(report, "Mixed-effects model of the outcome over time", TableBlock)
    assert isinstance(table, TableBlock) and evidence.model is not None
    assert [r[0] for r in table.rows] == list(evidence.model.coefficients["term"])
    text = first(report, "Mixed-effects model of the outcome over time", Paragraph)
    assert isinstance(text, Paragraph)
    assert f"{evidence.model.n_observations} observations" in text.text
    unfitted = build_cohort_report(replace(evidence, model=None))
    assert blocks(unfitted, "Mixed-effects model")[0] == Paragraph("Not fitted (not asked for).")


def test_limitations_count_what_was_not_assessable(
    report: ReportDocument, evidence: CohortAnalysis
) -> None:
    (items,) = blocks(report, "Limitations")
    assert isinstance(items, BulletList)
    text = " ".join(items.items)
    assert "confounding by indication" in text and "Regression to the mean" in text
    assert f"Missing data: {int(evidence.rates['not_assessable'].sum())} patient-therapy" in text


def test_every_therapy_cohort_caps_the_trajectory_figures() -> None:
    broad = evidence_for((), CohortFilter())
    assert len(broad.therapies) > MAX_TRAJECTORIES
    document = build_cohort_report(broad, title="All therapies")
    parts = blocks(document, "Outcomes around therapy start")
    figures = [b for b in parts if isinstance(b, FigureBlock)]
    assert len(figures) == MAX_TRAJECTORIES
    assert isinstance(parts[-1], Paragraph) and "--therapy" in parts[-1].text
    assert document.title == "All therapies"


def test_written_in_every_format(report: ReportDocument, tmp_path: Path) -> None:
    html = render_html(report)
    assert html.count("<svg") == len(report.figures) == 4
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert "<script" not in html and 'src="http' not in html
    written = write_report(report, "md", tmp_path / "series.md")
    names = sorted(p.name for p in written.files)
    expected = sorted(
        ["series.md"]
        + [f"series-{f.name}.{suffix}" for f in report.figures for suffix in ("png", "svg")]
    )
    assert names == expected
    pdf = write_report(report, "pdf", tmp_path / "series.pdf")
    assert pdf.path.read_bytes().startswith(b"%PDF-") and pdf.figures == 4
    page = write_report(report, "html", tmp_path / "nested" / "series.html")
    assert page.path.read_text(encoding="utf-8") == html
