"""A case series report of a filtered cohort, from the cohort analysis results.

Sections: the cohort and methods (the filters used, windows and rules), the cohort summary table
(percentages with denominators, the group comparison test named), response rates with Wilson
intervals and the forest plot of per-patient changes, outcome trajectories aligned on therapy
start, time to discontinuation (Kaplan-Meier with numbers at risk and censoring explained), lines
of therapy (swimmer plot and sequences), the mixed-effects model, and limitations. Patients are
named by their registry pseudonyms. It is decision support: a description of a registry case
series, not evidence from a trial.

The input is anything with the attributes of :class:`CohortEvidence` (the analytics service's
``CohortAnalysis`` has them); :func:`build_cohort_report` returns a
:class:`~spsreg.reports.render.ReportDocument`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Protocol

import pandas as pd

from spsreg.analysis.cohort import CohortFilter
from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.mixed_model import MixedModelResult
from spsreg.analysis.settings import AnalysisSettings
from spsreg.analysis.summary import SummaryTable
from spsreg.analysis.survival import SurvivalResult
from spsreg.analysis.therapies import therapy_label
from spsreg.reports.case_report import DISCLAIMER
from spsreg.reports.cohort_shared import ReleasedCohort, shared_sections, shown
from spsreg.reports.figures.forest import forest_plot
from spsreg.reports.figures.style import outcome_display
from spsreg.reports.figures.survival import km_plot
from spsreg.reports.figures.swimmer import swimmer_plot
from spsreg.reports.figures.trajectories import aligned_trajectories
from spsreg.reports.render import (
    Block,
    BulletList,
    Paragraph,
    ReportDocument,
    Section,
    TableBlock,
    figure_block,
    interval,
    number,
    percent,
)

__all__ = ["MAX_CURVES", "MAX_TRAJECTORIES", "CohortEvidence", "build_cohort_report"]

MAX_TRAJECTORIES = 4
"""Therapies drawn as aligned trajectories (those with most starts), to keep the report readable."""
MAX_CURVES = 6
"""Kaplan-Meier curves in one figure (therapies with most patients); the table lists all."""
MAX_SEQUENCES = 15


class CohortEvidence(Protocol):
    """What the report reads of a cohort analysis."""

    @property
    def frames(self) -> CohortFrames: ...
    @property
    def pseudonyms(self) -> Mapping[str, str]: ...
    @property
    def cohort_filter(self) -> CohortFilter: ...
    @property
    def outcome(self) -> str: ...
    @property
    def therapies(self) -> tuple[str, ...]: ...
    @property
    def settings(self) -> AnalysisSettings: ...
    @property
    def starts(self) -> pd.DataFrame: ...
    @property
    def responses(self) -> pd.DataFrame: ...
    @property
    def rates(self) -> pd.DataFrame: ...
    @property
    def survival(self) -> tuple[SurvivalResult, ...]: ...
    @property
    def model(self) -> MixedModelResult | None: ...
    @property
    def lines(self) -> pd.DataFrame: ...
    @property
    def sequences(self) -> pd.DataFrame: ...
    @property
    def summary(self) -> SummaryTable: ...


def build_cohort_report(
    evidence: CohortEvidence,
    *,
    title: str | None = None,
    release: ReleasedCohort | None = None,
) -> ReportDocument:
    """The case series report of ``evidence``.

    With a ``release`` that is not exact (a shared audience), the count sections are those of
    :func:`spsreg.reports.cohort_shared.shared_sections` (released counts, no figures, no summary
    table, no mixed model) and the policy is printed on the page; with an exact release the
    report is the full one and says its counts are exact and not for sharing.
    """
    frames = evidence.frames
    therapies = ", ".join(therapy_label(t) for t in evidence.therapies) or "none"
    shared = release is not None and not release.exact
    patients = shown(release.patients) if release is not None else str(len(frames.patients))
    sections: tuple[Section, ...]
    if release is not None and shared:
        sections = (
            _methods(evidence, patients, sites=False),
            *shared_sections(release),
            _limitations(evidence, shared=True),
        )
    else:
        sections = (
            _methods(evidence, patients),
            _summary(evidence.summary),
            _responses(evidence),
            _trajectories(evidence),
            _discontinuation(evidence.survival),
            _lines(evidence),
            _model(evidence.model),
            _limitations(evidence),
        )
    policy = "" if release is None else f" {release.policy_line}"
    return ReportDocument(
        kind="cohort",
        title=title or f"Case series: {therapies}",
        subtitle=(
            f"{patients} patients with stiff person spectrum disorder; "
            f"{evidence.cohort_filter.describe()}."
        ),
        data_note=f"Registry data as of {frames.as_of.isoformat()}.{policy}",
        disclaimer=DISCLAIMER,
        sections=sections,
    )


def _methods(evidence: CohortEvidence, patients: str, *, sites: bool = True) -> Section:
    settings, frames = evidence.settings, evidence.frames
    low, high = settings.on_treatment_from_days, settings.on_treatment_to_days
    site_ids = sorted(set(frames.patients["site_id"].astype(str)))
    origin = f" from {len(site_ids)} site(s)" if sites else ""
    return Section(
        "Cohort and methods",
        (
            BulletList(
                (
                    f"Selection: {evidence.cohort_filter.describe()}.",
                    f"Analysis date: {frames.as_of.isoformat()} (nothing recorded later is used).",
                    f"Patients: {patients}{origin}.",
                    "Therapies reported: "
                    + (", ".join(therapy_label(t) for t in evidence.therapies) or "none")
                    + ".",
                    f"Main outcome: {outcome_display(evidence.outcome).axis_label}.",
                    f"Response: mean in the {settings.baseline_days} days before each start "
                    f"against days {low}-{high} after; responder = a fall of at least "
                    f"{settings.responder_relative_change:.0%} of the baseline mean (the change "
                    "the rituximab trial was powered for; no validated SPS responder definition "
                    "exists). Each patient counts once per therapy, at their first assessable "
                    "start.",
                    f"Intervals: {settings.confidence_level:.0%} (Wilson score intervals for "
                    "rates).",
                )
            ),
        ),
    )


def _summary(summary: SummaryTable) -> Section:
    groups = tuple(f"{g} (n={n})" for g, n in zip(summary.groups, summary.group_sizes, strict=True))
    rows = tuple(
        (
            row.variable,
            row.level or "",
            row.overall,
            *row.groups,
            "" if row.comparison is None else row.comparison.test,
            "" if row.comparison is None else number(row.comparison.p, 3),
        )
        for row in summary.rows
    )
    reasons = [
        f"{r.variable}: {r.comparison.test}, because {r.comparison.reason}."
        for r in summary.rows
        if r.comparison is not None
    ]
    blocks: list[Block] = [
        TableBlock(
            ("variable", "level", f"all (n={summary.n})", *groups, "test", "p"),
            rows,
            f"Cohort summary by {summary.by or 'nothing'} (percentages with their denominators)",
        )
    ]
    if reasons or summary.notes:
        blocks.append(BulletList(tuple([*reasons, *summary.notes])))
    return Section("Cohort summary", tuple(blocks))


def _responses(evidence: CohortEvidence) -> Section:
    display = outcome_display(evidence.outcome)
    rows = tuple(
        (
            therapy_label(str(r.therapy)),
            f"{r.responders}/{r.assessable}",
            percent(r.rate, 1),
            interval(r.low, r.high, 1, 100.0),
            str(r.not_assessable),
        )
        for r in evidence.rates.itertuples()
    )
    single = evidence.therapies[0] if len(evidence.therapies) == 1 else None
    forest = forest_plot(evidence.responses, evidence.outcome, therapy=single)
    return Section(
        f"Response rates: {display.label}",
        (
            TableBlock(
                ("therapy", "responders/assessable", "rate", "95% CI (%)", "not assessable"),
                rows,
                "Responders among patients whose response could be assessed (Wilson intervals)",
            ),
            figure_block(
                forest,
                "forest",
                f"Change in {display.axis_label} from baseline to on treatment, one row per "
                "assessable start, with the interval from the patient's own variability.",
            ),
        ),
    )


def _trajectories(evidence: CohortEvidence) -> Section:
    starts = evidence.starts
    counts = starts.loc[starts["event"] == "start", "therapy"].value_counts()
    chosen = [t for t in evidence.therapies if t in counts.index]
    chosen = sorted(chosen, key=lambda t: (-int(counts[t]), t))[:MAX_TRAJECTORIES]
    blocks: list[Block] = []
    for therapy in chosen:
        figure = aligned_trajectories(evidence.frames, therapy, evidence.outcome, starts)
        blocks.append(
            figure_block(
                figure,
                f"trajectory-{therapy}",
                f"{outcome_display(evidence.outcome).label} around each start of "
                f"{therapy_label(therapy)} (day 0): raw data, not an effect estimate.",
            )
        )
    if len(chosen) < len(evidence.therapies):
        blocks.append(
            Paragraph(
                f"Trajectories are drawn for the {len(chosen)} therapies with most starts; "
                "narrow the cohort with --therapy to see another."
            )
        )
    return Section("Outcomes around therapy start", tuple(blocks))


def _discontinuation(survival: Sequence[SurvivalResult]) -> Section:
    shown = sorted((r for r in survival if r.n > 0), key=lambda r: (-r.n, r.therapy))
    rows = tuple(
        (
            therapy_label(r.therapy),
            str(r.n),
            str(r.events),
            str(r.censored),
            "not reached" if r.median_days is None else f"{r.median_days:.0f}",
            _median_interval(r.median_low, r.median_high),
        )
        for r in shown
    )
    blocks: list[Block] = [
        TableBlock(
            ("therapy", "patients", "stopped (event)", "censored", "median days", "95% CI"),
            rows,
            "Time to discontinuation (Kaplan-Meier; first course chain of each patient)",
        )
    ]
    if shown:
        blocks.append(
            figure_block(
                km_plot(shown[:MAX_CURVES]),
                "kaplan-meier",
                "Proportion still on each therapy by days since its start, with numbers at "
                + (
                    "risk."
                    if len(shown) <= MAX_CURVES
                    else f"risk (the {MAX_CURVES} therapies with most patients)."
                ),
            )
        )
        blocks.append(BulletList(tuple(r.censoring_note for r in shown)))
    return Section("Time to treatment discontinuation", tuple(blocks))


def _median_interval(low: float | None, high: float | None) -> str:
    """The interval of a median survival time; an open end is "not reached"."""
    if low is None and high is None:
        return "not estimable"
    shown = ["not reached" if v is None else f"{v:.0f}" for v in (low, high)]
    return f"[{shown[0]}, {shown[1]}]"


def _lines(evidence: CohortEvidence) -> Section:
    mapping = dict(evidence.pseudonyms)
    frames = evidence.frames
    renamed = replace(
        frames,
        patients=frames.patients.assign(patient_id=frames.patients["patient_id"].map(mapping)),
        courses=frames.courses.assign(patient_id=frames.courses["patient_id"].map(mapping)),
        therapy_events=frames.therapy_events.assign(
            patient_id=frames.therapy_events["patient_id"].map(mapping)
        ),
    )
    lines = evidence.lines.assign(patient_id=evidence.lines["patient_id"].map(mapping))
    sequences = evidence.sequences.head(MAX_SEQUENCES)
    return Section(
        "Lines of immunotherapy",
        (
            figure_block(
                swimmer_plot(lines, renamed),
                "swimmer",
                "Immunotherapy lines per patient (pseudonyms) along months since their first "
                "line; markers give why a line stopped.",
            ),
            TableBlock(
                ("sequence of lines", "patients"),
                tuple((str(s.sequence), str(s.patients)) for s in sequences.itertuples()),
                f"Most frequent sequences (up to {MAX_SEQUENCES})",
            ),
        ),
    )


def _model(model: MixedModelResult | None) -> Section:
    if model is None:
        return Section("Mixed-effects model", (Paragraph("Not fitted (not asked for)."),))
    rows = tuple(
        (str(c.term), number(c.estimate, 2), interval(c.low, c.high, 2), number(c.p, 3))
        for c in model.coefficients.itertuples()
    )
    if model.coefficients.empty:
        state = "it could not be fitted, for the reasons below"
    else:
        state = "converged" if model.converged else "the fit did NOT converge: read with care"
    blocks: list[Block] = [
        Paragraph(
            f"Linear mixed model of {outcome_display(model.outcome).axis_label} with a random "
            f"intercept per patient ({model.n_observations} observations of {model.n_patients} "
            f"patients; {state}). Estimates are in the outcome's unit; exposure terms compare "
            "observations on and off each immunotherapy."
        ),
        TableBlock(("term", "estimate", "95% CI", "p"), rows, "Fixed effects"),
    ]
    if model.notes or model.warnings:
        blocks.append(BulletList(tuple([*model.notes, *model.warnings])))
    return Section("Mixed-effects model of the outcome over time", tuple(blocks))


def _limitations(evidence: CohortEvidence, *, shared: bool = False) -> Section:
    rates = evidence.rates
    not_assessable = int(rates["not_assessable"].sum()) if len(rates) else 0
    missing = "Some" if shared else str(not_assessable)
    items = (
        "A case series from an observational registry: no control group and no randomisation, "
        "so differences between therapies can reflect who received them (confounding by "
        "indication) rather than what the therapies do.",
        "Regression to the mean: therapies are often started when symptoms are at their worst, "
        "so part of a later improvement is expected without any effect.",
        f"Missing data: {missing} patient-therapy pairs could not be assessed for the "
        "main outcome and are left out of the rates (never imputed); if they differ from the "
        "assessable ones, the rates are biased.",
        "Co-treatments change around immunotherapy starts; the mixed model adjusts for the "
        "immunotherapies it names, not for symptomatic drugs or unmeasured factors.",
        "Censoring: patients still on a therapy at the end of follow-up count as at risk until "
        "then; the curves assume censoring is unrelated to the chance of stopping.",
        "Many therapies, outcomes and tests are reported: a small p-value among them can arise "
        "by chance.",
        "Small numbers give wide intervals; SPS is rare and registries draw from referral "
        "centres, which may not represent all patients.",
    )
    return Section("Limitations", (BulletList(items),))
