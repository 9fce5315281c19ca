"""``spsreg report case|cohort``: a de-identified case report, or a case series of a cohort.

``--format`` names the document format (``html``, ``pdf`` or ``md``, as ``export --format`` names
the data format); the printed summary takes ``--summary-format table|json``. The analyses are
:mod:`spsreg.services.analytics`, the documents :mod:`spsreg.reports`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spsreg.cli.analysis_commands import (
    AsOfOption,
    CohortOptions,
    ComorbidityOption,
    Gad65Option,
    GlyrOption,
    OutcomeOption,
    PhenotypeOption,
    SettingsOption,
    StartFromOption,
    StartToOption,
    cohort_filter,
    cohort_release,
    run_cohort,
    settings_option,
)
from spsreg.cli.context import SiteOption, UserOption, actor_for, day_option, open_cli_registry
from spsreg.cli.output import OutputFormat, emit, fail
from spsreg.cli.sharing_options import DisclosureConfigOption, ShareOption
from spsreg.store import StoreError

if TYPE_CHECKING:
    from spsreg.reports.render import ReportDocument, WrittenReport

# Plotting and statistics libraries are imported when a report is written (see
# analysis_commands), not whenever `spsreg` starts.

__all__ = ["report_app", "report_document"]

report_app = typer.Typer(
    help="Reports: a de-identified case report of one patient, or a case series of a cohort.",
    no_args_is_help=True,
)


class DocumentFormat(StrEnum):
    """The document formats of :mod:`spsreg.reports.render` (same values)."""

    HTML = "html"
    PDF = "pdf"
    MD = "md"


DocumentFormatOption = Annotated[
    DocumentFormat,
    typer.Option("--format", help="html (one self-contained file), pdf, or md (figures beside)"),
]
OutOption = Annotated[Path, typer.Option("--out", help="the document to write")]
SummaryFormatOption = Annotated[
    OutputFormat, typer.Option("--summary-format", help="how to print the summary: table or json")
]


def report_document(
    written: WrittenReport, kind: str, subject: str, patients: int | None, as_of: object
) -> dict[str, Any]:
    """The ``report`` document (docs/cli.md)."""
    return {
        "report": kind,
        "format": written.format.value,
        "path": str(written.path),
        "files": [str(path) for path in written.files],
        "figures": written.figures,
        "as_of": as_of,
        "patients": patients,
        "subject": subject,
    }


def _write(document: ReportDocument, fmt: DocumentFormat, out: Path) -> WrittenReport:
    from spsreg.reports.render import write_report

    try:
        return write_report(document, fmt.value, out)
    except OSError as error:
        raise fail(f"cannot write the report to {out}: {error}") from error


def _print(
    written: WrittenReport,
    kind: str,
    subject: str,
    patients: int | None,
    as_of: object,
    fmt: OutputFormat,
    *,
    disclosure: dict[str, Any] | None = None,
    policy_line: str | None = None,
) -> None:
    document = {**report_document(written, kind, subject, patients, as_of), **(disclosure or {})}
    extra = (
        f" and {len(written.files) - 1} figure files beside it" if len(written.files) > 1 else ""
    )
    emit(
        fmt,
        "report",
        document,
        lines=[
            f"Wrote the {kind} report on {subject} ({written.format.value}, {written.figures} "
            f"figures) to {written.path}{extra}.",
            *([policy_line] if policy_line else []),
        ],
    )


@report_app.command("case")
def case_command(
    patient: Annotated[str, typer.Argument(metavar="PATIENT", help="the patient id")],
    document_format: DocumentFormatOption,
    out: OutOption,
    as_of: AsOfOption = None,
    settings: SettingsOption = None,
    site: SiteOption = None,
    user: UserOption = None,
    summary_format: SummaryFormatOption = OutputFormat.TABLE,
) -> None:
    """A CARE-style case report of one patient: de-identified, with its timeline figure."""
    from spsreg.reports.case_report import build_case_report
    from spsreg.services.analytics import patient_analysis

    day = day_option(as_of, "--as-of")
    chosen = settings_option(settings)
    with open_cli_registry() as registry:
        try:
            analysis = patient_analysis(
                registry,
                actor_for(site, user),
                patient,
                as_of=day,
                settings=chosen,
                with_alerts=True,
            )
        except StoreError as error:
            raise fail(str(error)) from error
    document = build_case_report(
        analysis.frames,
        analysis.patient_id,
        analysis.pseudonym,
        analysis.responses,
        settings=chosen,
        alerts=[(day, alert.title) for alert in analysis.alerts],
    )
    written = _write(document, document_format, out)
    _print(written, "case", analysis.pseudonym, 1, day, summary_format)


@report_app.command("cohort")
def cohort_command(
    therapy: Annotated[
        list[str],
        typer.Option("--therapy", help="the therapy of the case series (repeatable)"),
    ],
    document_format: DocumentFormatOption,
    out: OutOption,
    phenotype: PhenotypeOption = None,
    gad65: Gad65Option = None,
    glyr: GlyrOption = None,
    comorbidity: ComorbidityOption = None,
    start_from: StartFromOption = None,
    start_to: StartToOption = None,
    outcome: OutcomeOption = "stiffness_index",
    as_of: AsOfOption = None,
    settings: SettingsOption = None,
    site: SiteOption = None,
    user: UserOption = None,
    share: ShareOption = False,
    disclosure_config: DisclosureConfigOption = None,
    summary_format: SummaryFormatOption = OutputFormat.TABLE,
) -> None:
    """A case series of the patients who started a therapy: rates, survival, figures, limits."""
    from spsreg.reports.cohort_report import build_cohort_report

    options = CohortOptions(
        site=site,
        user=user,
        as_of=as_of,
        settings=settings,
        outcome=outcome,
        therapy=therapy,
        cohort=cohort_filter(site, phenotype, gad65, glyr, comorbidity, start_from, start_to),
    )
    analysis = run_cohort(options)
    release = cohort_release(options, analysis, share, disclosure_config)
    written = _write(build_cohort_report(analysis, release=release), document_format, out)
    subject = analysis.cohort_filter.describe()
    _print(
        written,
        "cohort",
        subject,
        release.patients,
        options.day,
        summary_format,
        disclosure=release.metadata(),
        policy_line=release.policy_line,
    )
