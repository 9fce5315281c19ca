"""``spsreg trials criteria|screen|feasibility|enrol``: structured eligibility criteria,
screening, feasibility counts and enrolment of a stored trial.

The commands parse, call :mod:`spsreg.services.trial_screening` and print (randomization is in
:mod:`spsreg.cli.trials_randomization_commands`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from spsreg.cli.context import SiteOption, UserOption, actor_for, day_option, open_cli_registry
from spsreg.cli.output import FormatOption, OutputFormat, emit, fail, render_table
from spsreg.cli.sharing_options import DisclosureConfigOption, ShareOption, released, sharing_option
from spsreg.cli.trials_commands import trials_app
from spsreg.services.trial_screening import (
    ENGINES,
    Engine,
    attach_criteria,
    enrol_patients,
    screen_trial,
    trial_feasibility,
)
from spsreg.store import StoreError
from spsreg.trials.screening import ScreenedPatient, ScreeningStatus

__all__ = ["AsOfOption", "NctArgument", "criteria", "enrol", "feasibility", "screen"]

NctArgument = Annotated[
    str, typer.Argument(help="the trial's NCT number (stored with trials import)")
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="screening date YYYY-MM-DD (default: today, UTC)")
]
EngineOption = Annotated[
    str, typer.Option("--engine", help="query engine: sql (in the database) or memory")
]


def _engine(value: str) -> Engine:
    if value not in ENGINES:
        raise fail(f"--engine {value!r}: choose sql or memory")
    return "sql" if value == "sql" else "memory"


@trials_app.command("criteria")
def criteria(
    nct_id: NctArgument,
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="criteria document (YAML or JSON)")
    ],
    reason: Annotated[
        str, typer.Option(help="reason for the audit trail")
    ] = "eligibility criteria attached",
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Attach (or replace) a trial's structured eligibility criteria; the document is validated."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read {file}: {error}") from error
    with open_cli_registry() as registry:
        try:
            attached = attach_criteria(registry, actor_for(site, user), nct_id, text, reason)
        except (StoreError, ValueError) as error:
            raise fail(str(error)) from error
    outline = [
        {"key": node.key, "kind": node.kind, "label": node.label} for node in attached.outline
    ]
    document = {
        "nct_id": nct_id,
        "status": attached.outcome.status.value,
        "criteria_version": attached.outcome.criteria_version,
        "name": attached.cohort.name,
        "criteria": outline,
        "eligibility_text": attached.eligibility_text,
    }
    table = render_table(
        f"Criteria of {nct_id} (version {attached.outcome.criteria_version})",
        ["key", "kind", "label"],
        [[row["key"], row["kind"], row["label"]] for row in outline],
    )
    lines = [f"Criteria {attached.outcome.status.value}: {len(outline)} criteria."]
    if attached.eligibility_text:
        lines.append(f"Eligibility text on ClinicalTrials.gov:\n{attached.eligibility_text}")
    emit(output_format, "trial-criteria", document, tables=[table], lines=lines)


def _patient_row(patient: ScreenedPatient) -> dict[str, Any]:
    failed = patient.failed
    return {
        "patient_id": patient.patient_id,
        "site_id": patient.site_id,
        "status": patient.status.value,
        "contactable": patient.contactable,
        "failed_criterion": None
        if failed is None
        else {"key": failed.key, "kind": failed.kind, "label": failed.label},
        "missing": list(patient.missing),
    }


def _why(patient: dict[str, Any]) -> str:
    """What the screen table says about a patient: the failed criterion or the missing data."""
    if patient["failed_criterion"] is not None:
        return str(patient["failed_criterion"]["label"])
    return "; ".join(patient["missing"])


@trials_app.command("screen")
def screen(
    nct_id: NctArgument,
    as_of: AsOfOption = None,
    engine: EngineOption = "sql",
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """List eligible, not contactable, ineligible (first failed criterion) and undetermined
    (missing data named) patients in your scope."""
    day = day_option(as_of, "--as-of")
    with open_cli_registry() as registry:
        try:
            screened = screen_trial(
                registry, actor_for(site, user), nct_id, as_of=day, engine=_engine(engine)
            )
        except (StoreError, ValueError) as error:
            raise fail(str(error)) from error
    patients = [_patient_row(p) for p in screened.screening.patients]
    counts = {s.value: len(screened.screening.with_status(s)) for s in ScreeningStatus}
    document = {
        "nct_id": nct_id,
        "as_of": day,
        "engine": screened.engine,
        "criteria_version": screened.criteria_version,
        "counts": counts,
        "patients": patients,
    }
    tables = []
    for status in ScreeningStatus:
        rows = [p for p in patients if p["status"] == status.value]
        tables.append(
            render_table(
                f"{status.value.replace('_', ' ').capitalize()} ({len(rows)})",
                ["patient", "site", "why"],
                [[p["patient_id"], p["site_id"], _why(p)] for p in rows],
            )
        )
    lines = [
        f"Screened {len(patients)} patients on {day.isoformat()} against criteria version "
        f"{screened.criteria_version} ({screened.engine} engine). Approach only the eligible: "
        "not contactable patients have no active consent to be contacted for research."
    ]
    emit(output_format, "trial-screening", document, tables=tables, lines=lines)


@trials_app.command("feasibility")
def feasibility(
    nct_id: NctArgument,
    as_of: AsOfOption = None,
    share: ShareOption = False,
    disclosure_config: DisclosureConfigOption = None,
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Count eligible, not contactable, ineligible and undetermined patients per site, through
    disclosure control."""
    day = day_option(as_of, "--as-of")
    actor = actor_for(site, user)
    policy = sharing_option(actor, [], share, disclosure_config).policy
    with open_cli_registry() as registry:
        try:
            result = trial_feasibility(
                registry, actor, nct_id, as_of=day, share=share, policy=policy
            )
        except (StoreError, ValueError) as error:
            raise fail(str(error)) from error
    table = result.table
    statuses = [str(label) for label in table.column_labels]
    sites = [
        {"site_id": str(label), **dict(zip(statuses, cells, strict=True)), "total": total}
        for label, cells, total in zip(table.row_labels, table.cells, table.row_totals, strict=True)
    ]
    document = {
        "nct_id": nct_id,
        "as_of": day,
        "criteria_version": result.criteria_version,
        "sites": sites,
        "totals": {
            **dict(zip(statuses, table.column_totals, strict=True)),
            "total": table.grand_total,
        },
        **result.metadata(),
    }
    printed = render_table(
        f"Feasibility of {nct_id} on {day.isoformat()}",
        ["site", *statuses, "total"],
        [
            [str(label), *(released(c) for c in cells), released(total)]
            for label, cells, total in zip(
                table.row_labels, table.cells, table.row_totals, strict=True
            )
        ]
        + [["total", *(released(c) for c in table.column_totals), released(table.grand_total)]],
    )
    emit(
        output_format,
        "trial-feasibility",
        document,
        tables=[printed],
        lines=[result.sharing.policy_line()],
    )


@trials_app.command("enrol")
def enrol(
    nct_id: NctArgument,
    patients: Annotated[list[str], typer.Argument(help="patient ids to enrol")],
    on: Annotated[
        str | None, typer.Option("--on", help="enrolment date YYYY-MM-DD (default: today, UTC)")
    ] = None,
    reason: Annotated[
        str, typer.Option(help="reason for the audit trail")
    ] = "enrolled in the trial",
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Enrol patients screened eligible on the enrolment date; others are refused (exit 2)."""
    day = day_option(on, "--on")
    with open_cli_registry() as registry:
        try:
            attempts = enrol_patients(
                registry, actor_for(site, user), nct_id, patients, on=day, reason=reason
            )
        except (StoreError, ValueError) as error:
            raise fail(str(error)) from error
    rows = [
        {
            "patient_id": a.patient_id,
            "enrolled": a.enrolment is not None,
            "refused": a.refused,
            "criteria_version": None if a.enrolment is None else a.enrolment.criteria_version,
        }
        for a in attempts
    ]
    enrolled = sum(1 for row in rows if row["enrolled"])
    document = {"nct_id": nct_id, "on": day, "enrolled": enrolled, "patients": rows}
    table = render_table(
        f"Enrolment in {nct_id} on {day.isoformat()}",
        ["patient", "enrolled", "refused"],
        [[r["patient_id"], "yes" if r["enrolled"] else "no", r["refused"]] for r in rows],
    )
    lines = [f"Enrolled {enrolled} of {len(rows)} patients."]
    emit(output_format, "trial-enrolment", document, tables=[table], lines=lines)
    if enrolled < len(rows):
        raise typer.Exit(2)
