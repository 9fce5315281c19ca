"""``spsreg patients list|show``: find patients and look at one."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import typer

from spsreg.cli.context import SiteOption, UserOption, actor_for, day_option, open_cli_registry
from spsreg.cli.output import FormatOption, OutputFormat, emit, fail, render_table
from spsreg.domain.overview import patient_overview
from spsreg.domain.patient import Phenotype
from spsreg.knowledge import load_knowledge_pack
from spsreg.store import NotFoundError

__all__ = ["patients_app"]

patients_app = typer.Typer(help="Find patients and show one.", no_args_is_help=True)


@patients_app.command("list")
def list_patients(
    phenotype: Annotated[Phenotype | None, typer.Option(help="only this phenotype")] = None,
    search: Annotated[
        str | None, typer.Option(help="part of a pseudonym or id (or, for site staff, name)")
    ] = None,
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """List the patients you may see, ordered by pseudonym."""
    with open_cli_registry() as registry:
        found = registry.list_patients(actor_for(site, user), phenotype=phenotype, search=search)
    rows = [
        {
            "patient_id": p.patient_id,
            "pseudonym": p.pseudonym,
            "site_id": p.site_id,
            "sex": p.sex.value,
            "birth_year_month": p.birth_year_month,
            "vital_status": p.vital_status.value,
            "phenotype": None if p.phenotype is None else p.phenotype.value,
            "diagnosis_date": p.diagnosis_date,
            "version": p.version,
        }
        for p in found
    ]
    columns = [
        "pseudonym",
        "site_id",
        "sex",
        "birth_year_month",
        "phenotype",
        "diagnosis_date",
        "vital_status",
    ]
    table = render_table(
        f"Patients ({len(rows)})", columns, [[row[c] for c in columns] for row in rows]
    )
    emit(output_format, "patient-list", {"count": len(rows), "patients": rows}, tables=[table])


@patients_app.command("show")
def show_patient(
    patient_id: Annotated[str, typer.Argument(metavar="PATIENT_ID", help="patient id")],
    as_of: Annotated[
        str | None, typer.Option(help="show the state on this date (default today)")
    ] = None,
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Show one patient: demographics, latest scores, active medications, antibodies."""
    day = day_option(as_of, "--as-of")
    with open_cli_registry() as registry:
        try:
            record = registry.load_patient_record(actor_for(site, user), patient_id)
        except NotFoundError as error:
            raise fail(str(error)) from error
    overview = patient_overview(record, day, load_knowledge_pack())
    patient = record.patient
    document: dict[str, Any] = {
        "record": record.model_dump(mode="json"),
        "overview": dataclasses.asdict(overview),
    }
    document["overview"]["latest_antibodies"] = [
        r.model_dump(mode="json") for r in overview.latest_antibodies
    ]
    identity = [
        ["pseudonym", patient.pseudonym],
        ["site", patient.site_id],
        ["sex", patient.sex.value],
        ["born", patient.birth_year_month],
        ["phenotype", patient.phenotype.value if patient.phenotype else "not recorded"],
        ["onset / diagnosis", f"{patient.onset_date or '?'} / {patient.diagnosis_date or '?'}"],
        ["vital status", patient.vital_status.value],
        ["comorbidities", ", ".join(overview.comorbidities) or "none recorded"],
    ]
    if record.identifiers is not None:
        ids = record.identifiers
        identity.insert(0, ["name", f"{ids.given_name} {ids.family_name} ({ids.hospital_number})"])
    load = overview.diazepam_equivalent_mg_per_day
    tables = [
        render_table(f"Patient {patient.id} on {day}", ["", ""], identity),
        render_table(
            "Latest scores",
            ["scale", "date", "total", "band", "complete"],
            [
                [
                    s.scale_id,
                    s.assessed_on,
                    s.total
                    if s.total is not None
                    else ", ".join(f"{k}={v:g}" for k, v in s.subscores.items() if v is not None),
                    s.band,
                    s.complete,
                ]
                for s in overview.latest_scores
            ],
        ),
        render_table(
            "Active medications",
            ["drug", "route", "dose", "per day", "since"],
            [
                [
                    m.drug_id,
                    m.route,
                    m.dose,
                    f"{m.daily_amount:g} {m.daily_unit}" if m.daily_amount is not None else "",
                    m.since,
                ]
                for m in overview.active_medications
            ],
        ),
        render_table(
            "Latest antibody results",
            ["analyte", "specimen", "method", "result", "date"],
            [
                [
                    r.analyte,
                    r.specimen.value,
                    r.method.value,
                    f"{r.value:g} {r.unit}"
                    if r.value is not None
                    else (r.qualitative.value if r.qualitative else f"1:{r.titre_denominator}"),
                    r.collected_on,
                ]
                for r in overview.latest_antibodies
            ],
        ),
    ]
    lines = [
        "Benzodiazepine load: "
        + (
            f"{load:g} mg/day diazepam equivalents"
            if load is not None
            else "not available (no cited equivalence for an active course)"
        ),
        f"Adverse events: {overview.adverse_events} ({overview.serious_adverse_events} serious); diary days in the last 28: {overview.diary_days_last_28}",
    ]
    emit(output_format, "patient", document, tables=tables, lines=lines)
