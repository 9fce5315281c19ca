"""``spsreg analyze response|cohort``: treatment response of one patient, evidence of a cohort.

Thin: options are parsed here, the analyses are :mod:`spsreg.services.analytics`. The cohort
filter options (``--phenotype``, ``--gad65``, ``--glyr``, ``--comorbidity``, ``--start-from``,
``--start-to``, ``--therapy``) are shared with ``spsreg report cohort``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spsreg.analysis.record_rows import OUTCOMES
from spsreg.analysis.settings import (
    DEFAULT_SETTINGS,
    AnalysisSettings,
    AnalysisSettingsError,
    load_analysis_settings,
)
from spsreg.analysis.therapies import THERAPIES, therapy_label
from spsreg.cli.context import SiteOption, UserOption, actor_for, day_option, open_cli_registry
from spsreg.cli.output import FormatOption, OutputFormat, emit, fail, render_table
from spsreg.cli.sharing_options import (
    DisclosureConfigOption,
    ShareOption,
    released,
    sharing_option,
)
from spsreg.knowledge import load_knowledge_pack
from spsreg.knowledge.vocabulary import ComorbidityKind, Phenotype
from spsreg.store import StoreError

if TYPE_CHECKING:
    from spsreg.analysis.cohort import CohortFilter
    from spsreg.services.analytics import CohortAnalysis, PatientAnalysis
    from spsreg.services.cohort_release import CohortRelease

# The statistics and plotting libraries (pandas, scipy, statsmodels, lifelines, matplotlib) take
# seconds to import: they are imported when an analysis runs, not whenever `spsreg` starts.

__all__ = [
    "AsOfOption",
    "CohortOptions",
    "analyze_app",
    "cohort_document",
    "cohort_filter",
    "cohort_release",
    "response_document",
    "run_cohort",
    "settings_option",
    "shared_cohort_document",
]

analyze_app = typer.Typer(
    help="Outcome analytics: treatment response of a patient, evidence across a cohort.",
    no_args_is_help=True,
)


class Gad65Band(StrEnum):
    HIGH_TITRE = "high_titre"
    POSITIVE = "positive"
    NEGATIVE = "negative"
    UNKNOWN = "unknown"


class GlyrBand(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    UNKNOWN = "unknown"


AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="analyse as of this date (YYYY-MM-DD, default today)"),
]
SettingsOption = Annotated[
    Path | None,
    typer.Option("--settings", help="analysis settings (YAML or JSON: windows, thresholds)"),
]
OutcomeOption = Annotated[
    str,
    typer.Option("--outcome", help=f"the main outcome: {', '.join(OUTCOMES)}"),
]
PhenotypeOption = Annotated[
    list[Phenotype] | None, typer.Option("--phenotype", help="only this phenotype (repeatable)")
]
Gad65Option = Annotated[
    list[Gad65Band] | None,
    typer.Option("--gad65", help="only this GAD65 antibody band (repeatable)"),
]
GlyrOption = Annotated[
    list[GlyrBand] | None,
    typer.Option("--glyr", help="only this glycine-receptor antibody status (repeatable)"),
]
ComorbidityOption = Annotated[
    list[ComorbidityKind] | None,
    typer.Option("--comorbidity", help="only patients with this comorbidity (repeatable: any)"),
]
StartFromOption = Annotated[
    str | None, typer.Option("--start-from", help="started a therapy on or after this date")
]
StartToOption = Annotated[
    str | None, typer.Option("--start-to", help="started a therapy on or before this date")
]


def settings_option(path: Path | None) -> AnalysisSettings:
    """The analysis settings of ``--settings`` (the documented defaults without it)."""
    if path is None:
        return DEFAULT_SETTINGS
    try:
        return load_analysis_settings(path)
    except AnalysisSettingsError as error:
        raise fail(str(error)) from error


def known_therapies(therapies: list[str] | None) -> tuple[str, ...]:
    """The ``--therapy`` ids, each a therapy (``ivig``, ``baclofen_oral``...) or a drug id."""
    chosen = tuple(dict.fromkeys(therapies or ()))
    drugs = {drug.id for drug in load_knowledge_pack().drugs}
    unknown = [t for t in chosen if t not in THERAPIES and t not in drugs]
    if unknown:
        raise fail(
            f"unknown therapy {unknown[0]!r}: give a therapy id ({', '.join(THERAPIES)}) "
            "or a knowledge-pack drug id"
        )
    return chosen


def cohort_filter(
    site: str | None,
    phenotype: list[Phenotype] | None,
    gad65: list[Gad65Band] | None,
    glyr: list[GlyrBand] | None,
    comorbidity: list[ComorbidityKind] | None,
    start_from: str | None,
    start_to: str | None,
) -> CohortFilter:
    """The cohort filter of the options (``--site`` also names the site in its description)."""
    from spsreg.analysis.cohort import CohortFilter

    try:
        return CohortFilter(
            sites=(site,) if site else (),
            phenotypes=tuple(phenotype or ()),
            gad65_status=tuple(g.value for g in gad65 or ()),
            glyr_status=tuple(g.value for g in glyr or ()),
            comorbidities=tuple(comorbidity or ()),
            start_from=None if start_from is None else day_option(start_from, "--start-from"),
            start_to=None if start_to is None else day_option(start_to, "--start-to"),
        )
    except ValueError as error:
        raise fail(f"invalid cohort filter: {error}") from error


class CohortOptions:
    """The parsed options of a cohort command."""

    def __init__(
        self,
        *,
        site: str | None,
        user: str | None,
        as_of: str | None,
        settings: Path | None,
        outcome: str,
        therapy: list[str] | None,
        cohort: CohortFilter,
    ) -> None:
        if outcome not in OUTCOMES:
            raise fail(f"unknown outcome {outcome!r}: one of {', '.join(OUTCOMES)}")
        self.site, self.user, self.outcome, self.cohort = site, user, outcome, cohort
        self.day = day_option(as_of, "--as-of")
        self.settings = settings_option(settings)
        self.therapies = known_therapies(therapy)


def run_cohort(options: CohortOptions, *, fit_model: bool = True) -> CohortAnalysis:
    """Run the cohort analysis of the options on the configured database."""
    from spsreg.services.analytics import cohort_analysis

    with open_cli_registry() as registry:
        try:
            return cohort_analysis(
                registry,
                actor_for(options.site, options.user),
                as_of=options.day,
                cohort_filter=options.cohort,
                site=options.site,
                therapies=options.therapies,
                outcome=options.outcome,
                settings=options.settings,
                fit_model=fit_model,
            )
        except (StoreError, ValueError) as error:
            raise fail(str(error)) from error


def response_document(analysis: PatientAnalysis, site: str) -> dict[str, Any]:
    """The ``analysis-response`` document (docs/cli.md)."""
    from spsreg.reports.case_report import DISCLAIMER

    responses = [r.to_document() for r in analysis.responses]
    return {
        "as_of": analysis.frames.as_of,
        "patient": analysis.patient_id,
        "pseudonym": analysis.pseudonym,
        "site": site,
        "settings": analysis.settings.model_dump(mode="json"),
        "count": len(responses),
        "assessable": sum(1 for r in analysis.responses if r.assessable),
        "responses": responses,
        "disclaimer": DISCLAIMER,
    }


@analyze_app.command("response")
def response_command(
    patient: Annotated[str, typer.Option("--patient", help="the patient id")],
    as_of: AsOfOption = None,
    settings: SettingsOption = None,
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Response of one patient to every therapy start, restart and dose change, per outcome."""
    from spsreg.reports.case_report import DISCLAIMER
    from spsreg.reports.render import interval, number
    from spsreg.services.analytics import patient_analysis as run_patient_analysis
    from spsreg.services.sharing import per_patient_refusal

    day = day_option(as_of, "--as-of")
    chosen = settings_option(settings)
    actor = actor_for(site, user)
    refusal = per_patient_refusal(actor)
    if refusal is not None:
        raise fail(refusal)
    with open_cli_registry() as registry:
        try:
            analysis = run_patient_analysis(registry, actor, patient, as_of=day, settings=chosen)
        except StoreError as error:
            raise fail(str(error)) from error
    site_id = str(analysis.frames.patients["site_id"].iloc[0])
    document = response_document(analysis, site_id)
    rows = [
        [
            r.start_date,
            r.therapy,
            r.event,
            r.outcome,
            f"{number(r.baseline_mean)} -> {number(r.on_treatment_mean)}"
            f" (n={r.baseline_n}, {r.on_treatment_n})",
            f"{number(r.change)} {interval(r.change_low, r.change_high)}"
            if r.assessable
            else "not assessable",
            {True: "yes", False: "no", None: ""}[r.responder],
        ]
        for r in analysis.responses
    ]
    table = render_table(
        f"Response of {analysis.patient_id} ({analysis.pseudonym}) as of {day}",
        ["start", "therapy", "event", "outcome", "baseline -> on treatment", "change [CI]",
         "responder"],
        rows,
    )  # fmt: skip
    lines = [
        f"{document['assessable']} of {document['count']} start x outcome pairs assessable "
        "(lower is better for every outcome). Why a pair is not assessable, time to and duration "
        "of response, wearing-off: --format json, or `spsreg report case`.",
        DISCLAIMER,
    ]
    emit(output_format, "analysis-response", document, tables=[table], lines=lines)


def _median(days: float | None, low: float | None, high: float | None) -> str:
    from spsreg.reports.render import interval, number

    shown = number(days, 0, "not reached")
    return shown if low is None and high is None else f"{shown} {interval(low, high, 0)}"


def _filter_document(cohort: CohortFilter) -> dict[str, Any]:
    return {
        "description": cohort.describe(),
        "sites": list(cohort.sites),
        "phenotypes": [str(p) for p in cohort.phenotypes],
        "gad65_status": list(cohort.gad65_status),
        "glyr_status": list(cohort.glyr_status),
        "comorbidities": [str(c) for c in cohort.comorbidities],
        "start_from": cohort.start_from,
        "start_to": cohort.start_to,
        "therapies": list(cohort.therapies),
    }


def cohort_document(analysis: CohortAnalysis, site: str | None) -> dict[str, Any]:
    """The ``analysis-cohort`` document (docs/cli.md)."""
    from spsreg.analysis.cohort import json_value
    from spsreg.reports.case_report import DISCLAIMER

    summary = analysis.summary.to_document()
    summary.pop("table", None)  # its keys are the groups: the rows say the same
    rates = [
        {"therapy": r["therapy"], "label": therapy_label(str(r["therapy"])), **r}
        for r in (
            {key: json_value(value) for key, value in row.items()}
            for row in analysis.rates.to_dict("records")
        )
    ]
    return {
        "as_of": analysis.frames.as_of,
        "site": site,
        "filter": _filter_document(analysis.cohort_filter),
        "outcome": analysis.outcome,
        "patients": analysis.patients,
        "settings": analysis.settings.model_dump(mode="json"),
        "therapies": list(analysis.therapies),
        "starts": len(analysis.starts),
        "response_rates": rates,
        "discontinuation": [result.to_document() for result in analysis.survival],
        "mixed_model": None if analysis.model is None else analysis.model.to_document(),
        "lines_of_therapy": [
            {"sequence": str(sequence), "patients": int(patients)}
            for sequence, patients in zip(
                analysis.sequences["sequence"], analysis.sequences["patients"], strict=True
            )
        ],
        "summary": summary,
        "timings": {step: round(seconds, 3) for step, seconds in analysis.timings.items()},
        "disclaimer": DISCLAIMER,
    }


def cohort_release(
    options: CohortOptions, analysis: CohortAnalysis, share: bool, config: Path | None
) -> CohortRelease:
    """The counts of ``analysis`` as the options' actor may see them (exact for own-site staff
    about their own patients, disclosure-controlled otherwise or with ``--share``)."""
    from spsreg.services.cohort_release import release_cohort

    sites = {str(s) for s in analysis.frames.patients["site_id"]}
    actor = actor_for(options.site, options.user)
    return release_cohort(analysis, sharing_option(actor, sites, share, config))


def shared_cohort_document(
    analysis: CohortAnalysis, release: CohortRelease, site: str | None
) -> dict[str, Any]:
    """The ``analysis-cohort`` document for a shared audience: released counts (null where
    suppressed), rates recomputed from them, no summary table and no per-time timelines."""
    document = cohort_document(analysis, site)
    model = document["mixed_model"]
    if model is not None and release.model is not None:
        model["n_patients"] = release.model.n_patients
        model["n_observations"] = release.model.n_observations
        if not release.model.estimates:
            model.update(coefficients=[], patient_variance=None, residual_variance=None)
    return {
        **document,
        "patients": release.patients,
        "starts": release.starts,
        "response_rates": [r.to_document() for r in release.rates],
        "discontinuation": [s.to_document() for s in release.survival],
        "mixed_model": model,
        "lines_of_therapy": [
            {"sequence": s.sequence, "patients": s.patients} for s in release.sequences
        ],
        "summary": None,
    }


@analyze_app.command("cohort")
def cohort_command(
    phenotype: PhenotypeOption = None,
    gad65: Gad65Option = None,
    glyr: GlyrOption = None,
    comorbidity: ComorbidityOption = None,
    start_from: StartFromOption = None,
    start_to: StartToOption = None,
    therapy: Annotated[
        list[str] | None,
        typer.Option("--therapy", help="patients who started this therapy; results for it only"),
    ] = None,
    outcome: OutcomeOption = "stiffness_index",
    no_model: Annotated[
        bool, typer.Option("--no-model", help="skip the mixed-effects model (faster)")
    ] = False,
    as_of: AsOfOption = None,
    settings: SettingsOption = None,
    site: SiteOption = None,
    user: UserOption = None,
    share: ShareOption = False,
    disclosure_config: DisclosureConfigOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Cohort evidence: response rates, time to discontinuation, mixed model, lines of therapy."""
    from spsreg.reports.case_report import DISCLAIMER
    from spsreg.reports.render import interval, number, percent

    options = CohortOptions(
        site=site,
        user=user,
        as_of=as_of,
        settings=settings,
        outcome=outcome,
        therapy=therapy,
        cohort=cohort_filter(site, phenotype, gad65, glyr, comorbidity, start_from, start_to),
    )
    analysis = run_cohort(options, fit_model=not no_model)
    release = cohort_release(options, analysis, share, disclosure_config)
    exact = release.sharing.exact
    document = {
        **(
            cohort_document(analysis, site)
            if exact
            else shared_cohort_document(analysis, release, site)
        ),
        **release.metadata(),
    }
    tables = [
        render_table(
            f"Response rates ({outcome}, {released(release.patients)} patients, as of "
            f"{options.day})",
            ["therapy", "responders/assessable", "rate", "95% CI (%)", "not assessable"],
            [
                [
                    therapy_label(r.therapy),
                    f"{released(r.responders)}/{released(r.assessable)}",
                    percent(r.rate, 1),
                    interval(r.low, r.high, 1, 100.0),
                    released(r.not_assessable),
                ]
                for r in release.rates
            ],
        ),
        render_table(
            "Time to discontinuation (Kaplan-Meier)",
            ["therapy", "patients", "events", "censored", "median days [CI]"],
            [
                [
                    therapy_label(s.therapy),
                    released(s.n),
                    released(s.events),
                    released(s.censored),
                    _median(s.median_days, s.median_low, s.median_high)
                    if s.n is not None
                    else "withheld",
                ]
                for s in release.survival
            ],
        ),
    ]
    model = analysis.model
    if model is not None and release.model is not None and release.model.estimates:
        tables.append(
            render_table(
                f"Mixed model of {outcome} ({released(release.model.n_patients)} patients, "
                f"{released(release.model.n_observations)} observations)",
                ["term", "estimate", "95% CI", "p"],
                [
                    [c.term, number(c.estimate, 2), interval(c.low, c.high, 2), number(c.p, 3)]
                    for c in model.coefficients.itertuples()
                ],
            )
        )
    lines = [
        f"{analysis.cohort_filter.describe()}: {released(release.patients)} patients. Lines of "
        "therapy, the summary table and censoring notes: --format json, or `spsreg report "
        "cohort`.",
        release.sharing.policy_line(),
        DISCLAIMER,
    ]
    emit(output_format, "analysis-cohort", document, tables=tables, lines=lines)
