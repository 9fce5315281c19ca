"""Commands that move patient data: generate, import, export, demo.

For ``import`` and ``export`` the ``--format`` option names the data format (as in
``spsreg export --format jsonl``); their printed summary takes ``--summary-format table|json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from spsreg.cli.alerts_commands import ConfigOption, alert_entry_document, monitoring_config
from spsreg.cli.context import (
    SiteOption,
    UserOption,
    actor_for,
    day_option,
    open_cli_registry,
    redacted_url,
)
from spsreg.cli.output import FormatOption, OutputFormat, emit, fail, render_table
from spsreg.cli.progress import progress_bar
from spsreg.export.deidentified import (
    DEFAULT_K_MIN,
    DEFAULT_QUASI_IDENTIFIERS,
    DateMethod,
    export_deidentified,
)
from spsreg.export.native_jsonl import write_native_jsonl_file
from spsreg.export.service import ExportFormat, export_records
from spsreg.ingest.batch import NativeBatch, ParsedRecord, ReadResult
from spsreg.ingest.fhir_reader import read_fhir_path
from spsreg.ingest.redcap_reader import read_redcap_path
from spsreg.ingest.service import ImportReport, import_batch, import_records, read_native_path
from spsreg.services.imports import import_batch_with_alerts
from spsreg.services.monitoring import WorklistEntry
from spsreg.store import Actor, NotFoundError, OnExisting, database_url_from_env
from spsreg.synth import (
    DEFAULT_END_DATE,
    CohortConfig,
    PatientTruth,
    generate_sites,
    ground_truth_document,
    iter_synthetic_patients,
)

__all__ = ["generate_cohort", "register"]

SummaryFormatOption = Annotated[
    OutputFormat, typer.Option("--summary-format", help="how to print the summary: table or json")
]
MAX_PROBLEMS_SHOWN = 20
MAX_ALERTS_SHOWN = 50


class ImportFormat(StrEnum):
    NATIVE = "native"  # spsreg JSON-lines file or CSV table directory, recognised by what PATH is
    FHIR = "fhir"  # FHIR R4 Bundle (JSON file), Bulk Data NDJSON file, or a directory of them
    REDCAP = "redcap"  # REDCap records export (CSV) with --dictionary and --mapping


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
    app.command("import")(import_command)
    app.command("export")(export_command)


def import_report_document(
    report: ImportReport, new_alerts: tuple[WorklistEntry, ...] | None
) -> dict[str, Any]:
    """The ``import-report`` document (docs/cli.md): the report, and the alerts the import
    created when they were asked for (``--alerts``; null otherwise)."""
    return report.to_document() | {
        "new_alerts": None
        if new_alerts is None
        else [alert_entry_document(entry) for entry in new_alerts]
    }


def generate_cohort(
    config: CohortConfig, out: Path | None, truth_out: Path | None
) -> dict[str, Any]:
    """Generate a cohort into a native file (``out``) or into the configured database."""
    sites = generate_sites(config)
    truths: list[PatientTruth] = []

    def records() -> Iterator[ReadResult]:
        truths.clear()
        for number, patient in enumerate(iter_synthetic_patients(config), start=1):
            if truth_out is not None:  # kept only when asked for: memory stays flat otherwise
                truths.append(patient.truth)
            yield ParsedRecord("generator", number, patient.record)

    document: dict[str, Any] = {
        "config": config.model_dump(
            mode="json", include={"patients", "sites", "years", "seed", "end_date"}
        )
    }
    with progress_bar("Generating patients", config.patients) as advance:
        if out is not None:

            def plain_records() -> Iterator[Any]:
                for result in records():
                    assert isinstance(result, ParsedRecord)
                    advance(result.line)
                    yield result.record

            written = write_native_jsonl_file(out, sites, plain_records())
            document |= {"destination": str(out), "patients": written}
        else:
            with open_cli_registry() as registry:
                report = import_records(
                    registry,
                    actor_for(None, None),
                    sites,
                    records,
                    report=ImportReport(source="generator", format="synthetic", strict=False),
                    as_of=config.end_date,
                    progress=advance,
                )
            document |= {
                "destination": redacted_url(database_url_from_env()),
                "import": import_report_document(report, None),
            }
            document["patients"] = report.created + report.unchanged
            if not report.ok:
                raise fail(f"the generated cohort was refused: {report.problems[0]}")
    if truth_out is not None:
        truth_out.parent.mkdir(parents=True, exist_ok=True)
        truth_out.write_text(
            json.dumps(ground_truth_document(config, truths), indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        document["ground_truth"] = str(truth_out)
    return document


def generate(
    patients: Annotated[int, typer.Option(min=1, help="number of patients")] = 300,
    sites: Annotated[int, typer.Option(min=1, help="number of sites")] = 3,
    years: Annotated[int, typer.Option(min=1, help="years in the registry window")] = 5,
    seed: Annotated[
        int, typer.Option(min=0, help="random seed: same seed, same cohort")
    ] = 20261121,
    end_date: Annotated[
        str, typer.Option(help="last day of the registry window (YYYY-MM-DD)")
    ] = DEFAULT_END_DATE.isoformat(),
    out: Annotated[
        Path | None, typer.Option(help="write a native JSON-lines file instead of the database")
    ] = None,
    truth: Annotated[
        Path | None, typer.Option(help="write the ground-truth document (JSON) here")
    ] = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Generate a synthetic SPS cohort with known ground truth (deterministic per seed)."""
    try:
        config = CohortConfig(
            patients=patients,
            sites=sites,
            years=years,
            seed=seed,
            end_date=date.fromisoformat(end_date),
        )
    except ValueError as error:
        raise fail(f"invalid cohort settings: {error}") from error
    document = generate_cohort(config, out, truth)
    lines = [
        f"Generated {document['patients']} synthetic patients at {sites} sites over {years} years (seed {seed}) into {document['destination']}."
    ]
    if "ground_truth" in document:
        lines.append(f"Ground truth: {document['ground_truth']}")
    emit(output_format, "generate", document, lines=lines)


def import_command(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True,
            metavar="PATH",
            help="native JSON-lines file or CSV directory; FHIR bundle, NDJSON or directory; REDCap CSV",
        ),
    ],
    data_format: Annotated[
        ImportFormat, typer.Option("--format", help="data format of PATH")
    ] = ImportFormat.NATIVE,
    into_site: Annotated[
        str | None,
        typer.Option(
            "--into-site",
            help="site the patients of another system belong to (FHIR from elsewhere, REDCap; default --site)",
        ),
    ] = None,
    dictionary: Annotated[
        Path | None,
        typer.Option(
            exists=True, help="REDCap data dictionary (CSV) of the project (--format redcap)"
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            help="mapping file (YAML) from REDCap fields to the registry (--format redcap)",
        ),
    ] = None,
    on_existing: Annotated[
        OnExisting, typer.Option(help="what to do with patients already stored")
    ] = OnExisting.SKIP_IDENTICAL,
    strict: Annotated[
        bool, typer.Option(help="import nothing if any record would be rejected")
    ] = False,
    as_of: Annotated[
        str | None, typer.Option(help="date the records are checked against (default today)")
    ] = None,
    report_out: Annotated[
        Path | None, typer.Option("--report", help="write the full import report (JSON) here")
    ] = None,
    alerts: Annotated[
        bool,
        typer.Option(
            "--alerts",
            help="also list the monitoring alerts the imported patients gained (on --as-of)",
        ),
    ] = False,
    config: ConfigOption = None,
    site: SiteOption = None,
    user: UserOption = None,
    summary_format: SummaryFormatOption = OutputFormat.TABLE,
) -> None:
    """Import patient records; each patient is imported whole or not at all (exit 2 if any was rejected)."""
    check_date = day_option(as_of, "--as-of")
    actor = actor_for(site, user)
    settings = monitoring_config(config) if alerts else None
    new_alerts: tuple[WorklistEntry, ...] | None = None
    try:
        kind, batch = _read_batch(path, data_format, into_site or site, dictionary, mapping)
    except OSError as error:  # the file or directory cannot be read at all
        raise fail(str(error)) from error
    with open_cli_registry() as registry, progress_bar("Importing patients", None) as advance:
        try:
            if alerts:
                imported = import_batch_with_alerts(
                    registry,
                    actor,
                    batch,
                    kind,
                    as_of=check_date,
                    on_existing=on_existing,
                    strict=strict,
                    progress=advance,
                    config=settings,
                )
                report, new_alerts = imported.report, imported.new_alerts
            else:
                report = import_batch(
                    registry,
                    actor,
                    batch,
                    kind,
                    as_of=check_date,
                    on_existing=on_existing,
                    strict=strict,
                    progress=advance,
                )
        except OSError as error:  # the file or directory cannot be read at all
            raise fail(str(error)) from error
    document = import_report_document(report, new_alerts)
    if report_out is not None:
        report_out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    shown = report.problems[:MAX_PROBLEMS_SHOWN]
    tables = []
    if shown:
        tables.append(
            render_table(
                f"Problems (first {len(shown)} of {len(report.problems)})",
                ["file", "line", "field", "reason"],
                [[p.file, p.line, p.field, p.reason] for p in shown],
            )
        )
    if new_alerts:
        tables.append(
            render_table(
                f"New alerts on {check_date} (most severe first; "
                f"{min(len(new_alerts), MAX_ALERTS_SHOWN)} of {len(new_alerts)})",
                ["id", "severity", "patient", "due", "alert"],
                [
                    [
                        entry.alert_id,
                        entry.alert.severity.value,
                        entry.alert.patient_id,
                        "" if entry.alert.due is None else str(entry.alert.due),
                        entry.alert.title,
                    ]
                    for entry in new_alerts[:MAX_ALERTS_SHOWN]
                ],
            )
        )
    unmapped = document["unmapped"]
    if unmapped["total"]:
        tables.append(
            render_table(
                f"Not mapped ({unmapped['total']} items; all of them in --summary-format json or --report)",
                ["category", "items"],
                [[category, count] for category, count in unmapped["by_category"].items()],
            )
        )
    lines = [
        f"Imported {report.created} new and {report.replaced} replaced patients; {report.unchanged} unchanged; {report.rejected_records} rejected.",
    ]
    if new_alerts is not None:
        lines.append(
            f"{len(new_alerts)} new monitoring alerts on {check_date}"
            + (" (details: --summary-format json or `spsreg alerts`)." if new_alerts else ".")
        )
    if strict and not report.ok:
        lines.append("Strict import: nothing was imported because of the problems above.")
    emit(summary_format, "import-report", document, tables=tables, lines=lines)
    if not report.ok:
        raise typer.Exit(2)


def _read_batch(
    path: Path,
    data_format: ImportFormat,
    site_id: str | None,
    dictionary: Path | None,
    mapping: Path | None,
) -> tuple[str, NativeBatch]:
    """Read PATH with the reader of its format (the import itself is the same for every format)."""
    if data_format is ImportFormat.NATIVE:
        return read_native_path(path)
    if data_format is ImportFormat.FHIR:
        return "fhir", read_fhir_path(path, site_id=site_id)
    if dictionary is None or mapping is None:
        raise fail("--format redcap needs --dictionary and --mapping")
    if site_id is None:
        raise fail("--format redcap needs the site the patients belong to: --into-site or --site")
    return "redcap", read_redcap_path(path, dictionary=dictionary, mapping=mapping, site_id=site_id)


def export_command(
    data_format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="jsonl or csv (native), fhir-bundle or fhir-ndjson (FHIR R4), omop (OMOP CDM v5.4)",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            help="file (jsonl, fhir-bundle) or directory (csv, fhir-ndjson, omop) to write"
        ),
    ],
    patient: Annotated[
        list[str] | None, typer.Option(help="export only these patient ids (repeatable)")
    ] = None,
    deidentify: Annotated[
        bool,
        typer.Option(
            "--deidentify",
            help="de-identified research export (keyed ids, shifted dates) with a k-anonymity report",
        ),
    ] = False,
    k_min: Annotated[
        int, typer.Option("--k-min", min=1, help="smallest class size allowed (--deidentify)")
    ] = DEFAULT_K_MIN,
    quasi_identifiers: Annotated[
        str,
        typer.Option(
            "--quasi-identifiers", help="comma-separated quasi-identifiers (--deidentify)"
        ),
    ] = ",".join(DEFAULT_QUASI_IDENTIFIERS),
    dates: Annotated[
        DateMethod,
        typer.Option(
            "--dates",
            help="shift (secret per-patient offset, intervals kept) or year_only (Safe Harbor) (--deidentify)",
        ),
    ] = DateMethod.SHIFT,
    site: SiteOption = None,
    user: UserOption = None,
    summary_format: SummaryFormatOption = OutputFormat.TABLE,
) -> None:
    """Export patient records (native, FHIR R4 or OMOP CDM), within what you may see."""
    actor = actor_for(site, user)
    if deidentify:
        _export_deidentified(
            actor,
            data_format,
            out,
            tuple(patient or ()),
            k_min,
            quasi_identifiers,
            dates,
            summary_format,
        )
        return
    with open_cli_registry() as registry, progress_bar("Exporting patients", None) as advance:
        try:
            summary = export_records(
                registry,
                actor,
                data_format,
                out,
                patient_ids=tuple(patient or ()),
                progress=advance,
            )
        except NotFoundError as error:  # a --patient unknown or outside the actor's scope
            raise fail(f"{error}; nothing was exported") from error
        except OSError as error:  # --out cannot be written
            raise fail(f"cannot write the export to {out}: {error}") from error
    emit(
        summary_format,
        "export",
        summary.to_document(),
        lines=[
            f"Exported {summary.patients} patients ({', '.join(summary.sites) or 'no sites'}) to {summary.path} as {summary.format.value}; identifiers included for {summary.identifiers_included}."
        ],
    )


def _export_deidentified(
    actor: Actor,
    data_format: ExportFormat,
    out: Path,
    patient_ids: tuple[str, ...],
    k_min: int,
    quasi_identifiers: str,
    dates: DateMethod,
    summary_format: OutputFormat,
) -> None:
    """``export --deidentify``: write the de-identified export, or refuse it (exit 2)."""
    names = tuple(name.strip() for name in quasi_identifiers.split(",") if name.strip())
    with open_cli_registry() as registry, progress_bar("Exporting patients", None) as advance:
        try:
            summary = export_deidentified(
                registry,
                actor,
                data_format,
                out,
                as_of=date.today(),
                k_min=k_min,
                quasi_identifiers=names,
                patient_ids=patient_ids,
                progress=advance,
                dates=dates,
            )
        except ValueError as error:  # an unknown quasi-identifier
            raise fail(f"{error}; nothing was exported") from error
        except NotFoundError as error:
            raise fail(f"{error}; nothing was exported") from error
        except OSError as error:
            raise fail(f"cannot write the export to {out}: {error}") from error
    k = summary.k_anonymity_document()
    document = {
        "path": str(summary.path),
        "format": summary.format.value,
        "patients": summary.patients,
        "sites": list(summary.sites),
        "identifiers_included": 0,
        "deidentified": True,
        "dates": dates.value,
        "k_anonymity": k,
    }
    steps = ", ".join(k["generalised"]) or "none"
    if summary.refused:
        line = (
            f"Refused: k = {k['smallest_k']} is below --k-min {k_min} over "
            f"{', '.join(k['quasi_identifiers'])} even after generalising ({steps}); "
            f"{k['offending_classes']} classes too small. Nothing was written."
        )
    else:
        line = (
            f"Exported {summary.patients} de-identified patients to {summary.path} as "
            f"{summary.format.value}; k = {k['smallest_k']} (minimum {k_min}), generalised: "
            f"{steps}; k-anonymity report: {k['report']}."
        )
    emit(summary_format, "export", document, lines=[line])
    if summary.refused:
        raise typer.Exit(2)
