"""De-identified research export in any export format (native, FHIR, OMOP), with a k-anonymity report.

Every patient in the actor's scope goes through :func:`deidentify_record` under a fresh export key
that is never written anywhere (the export cannot be linked back to the registry, nor to another
export). The site list is de-identified too: keyed site ids, the country kept, names dropped.

Before anything is written, the k-anonymity report over the quasi-identifiers (one row per
patient, built from the de-identified record and its site's country) is computed. When k is below
``k_min`` the export is generalised (:func:`generalise_for_k_anonymity`) and the generalisation is
carried into the records: a birth year widened to a band becomes January of the band's first year
(ages from such an export are overstated by up to the band width), and a phenotype folded into
``other`` becomes unknown (null). If k is still below ``k_min`` nothing is written. Records are
read twice (a first pass for the report, a second to write), so memory stays bounded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from spsreg.domain.patient import Site
from spsreg.domain.record import PatientRecord
from spsreg.export.service import EXPORT_BATCH, ExportFormat, sites_in_scope, write_records
from spsreg.privacy.deidentify import DateMethod, DeidentificationPolicy, deidentify_record
from spsreg.privacy.kanonymity import (
    DEFAULT_K_MIN,
    DEFAULT_QUASI_IDENTIFIERS,
    GeneralisationResult,
    generalise_for_k_anonymity,
    quasi_identifier_row,
)
from spsreg.privacy.keys import ExportKey, keyed_site_id, new_export_key
from spsreg.store import Actor, Registry

__all__ = [
    "DEFAULT_K_MIN",
    "DEFAULT_QUASI_IDENTIFIERS",
    "KNOWN_QUASI_IDENTIFIERS",
    "K_ANONYMITY_FILE",
    "REPORT_FORMAT",
    "DateMethod",
    "DeidentifiedExportSummary",
    "deidentified_sites",
    "export_deidentified",
    "report_path",
]

REPORT_FORMAT = "spsreg-k-anonymity"
K_ANONYMITY_FILE = "k-anonymity.json"
"""The report's name inside a CSV directory (beside a JSON-lines file: ``PATH.k-anonymity.json``)."""

KNOWN_QUASI_IDENTIFIERS: tuple[str, ...] = DEFAULT_QUASI_IDENTIFIERS
"""The quasi-identifiers a row can carry (birth year, sex, site country, phenotype)."""


@dataclass(frozen=True)
class DeidentifiedExportSummary:
    """What a de-identified export did: the files, the k-anonymity outcome, or the refusal."""

    path: Path
    format: ExportFormat
    patients: int  # records written (0 when refused)
    sites: tuple[str, ...]  # keyed site ids
    report_path: Path | None  # None when refused (nothing written)
    outcome: GeneralisationResult

    @property
    def refused(self) -> bool:
        return self.outcome.refused

    def k_anonymity_document(self) -> dict[str, Any]:
        report = self.outcome.report
        return {
            "report": None if self.report_path is None else str(self.report_path),
            "quasi_identifiers": list(report.quasi_identifiers),
            "k_min": report.k_min,
            "smallest_k": report.smallest_k,
            "classes": len(report.class_sizes),
            "offending_classes": len(report.offending_classes),
            "generalised": list(self.outcome.generalised),
            "refused": self.outcome.refused,
        }


def report_path(export_format: ExportFormat, out: Path) -> Path:
    """Where the k-anonymity report goes: inside an export directory, or beside an export file."""
    if export_format.writes_directory:
        return out / K_ANONYMITY_FILE
    return out.with_name(f"{out.name}.{K_ANONYMITY_FILE}")


def deidentified_sites(sites: Sequence[Site], key: ExportKey) -> list[Site]:
    """Sites with keyed ids and their country only (a hospital's name points to a town)."""
    keyed = [Site(id=(i := keyed_site_id(key, s.id)), name=i, country=s.country) for s in sites]
    return sorted(keyed, key=lambda site: site.id)


def _report_document(outcome: GeneralisationResult) -> dict[str, Any]:
    report = outcome.report
    classes = [
        {"values": dict(zip(report.quasi_identifiers, values, strict=True)), "size": size}
        for values, size in sorted(report.class_sizes.items(), key=lambda item: repr(item[0]))
    ]
    return {
        "format": REPORT_FORMAT,
        "format_version": 1,
        "quasi_identifiers": list(report.quasi_identifiers),
        "k_min": report.k_min,
        "smallest_k": report.smallest_k,
        "satisfied": report.satisfied,
        "generalised": list(outcome.generalised),
        "refused": outcome.refused,
        "classes": classes,
    }


def _generalised(
    record: PatientRecord, row: dict[str, Any], steps: tuple[str, ...]
) -> PatientRecord:
    """Carry the generalised quasi-identifiers of ``row`` into the record."""
    patient = record.patient
    changes: dict[str, Any] = {}
    band = row.get("birth_year")
    if isinstance(band, str) and any(step.startswith("birth_year") for step in steps):
        changes["birth_year_month"] = f"{int(band.split('-')[0]):04d}-01"
    if row.get("phenotype") == "other" and patient.phenotype is not None:
        changes["phenotype"] = None
    if not changes:
        return record
    data = record.model_dump(mode="python")
    data["patient"] |= changes
    return PatientRecord.model_validate(data)


def export_deidentified(
    registry: Registry,
    actor: Actor,
    export_format: ExportFormat,
    out: Path,
    *,
    as_of: date,
    k_min: int = DEFAULT_K_MIN,
    quasi_identifiers: Sequence[str] = DEFAULT_QUASI_IDENTIFIERS,
    patient_ids: tuple[str, ...] = (),
    progress: Callable[[int], None] | None = None,
    dates: DateMethod = DateMethod.SHIFT,
) -> DeidentifiedExportSummary:
    """De-identify the patients in scope, check k-anonymity, and write them (or refuse).

    ``dates``: ``shift`` (each patient's dates moved by a secret offset, intervals exact) or
    ``year_only`` (Safe Harbor: every date becomes 1 January of its year, diaries dropped)."""
    unknown = [name for name in quasi_identifiers if name not in KNOWN_QUASI_IDENTIFIERS]
    if unknown or not quasi_identifiers:
        raise ValueError(
            f"quasi-identifiers must be among {', '.join(KNOWN_QUASI_IDENTIFIERS)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    key = new_export_key()  # held only in memory, never written
    policy = DeidentificationPolicy(as_of=as_of, dates=dates)
    registry_sites = sites_in_scope(registry, actor)
    countries = {site.id: site.country for site in registry_sites}

    def deidentified() -> Iterator[tuple[PatientRecord, str]]:
        source = (
            (registry.load_patient_record(actor, patient_id) for patient_id in patient_ids)
            if patient_ids
            else registry.iter_patient_records(actor, batch_size=EXPORT_BATCH)
        )
        for record in source:
            yield deidentify_record(record, key, policy), record.patient.site_id

    names = tuple(quasi_identifiers)
    rows: dict[str, dict[str, Any]] = {}
    for record, site_id in deidentified():
        row = quasi_identifier_row(record, countries.get(site_id))
        rows[record.patient.id] = {name: row[name] for name in names} | {"_id": record.patient.id}
    outcome = generalise_for_k_anonymity(list(rows.values()), names, k_min)
    if outcome.refused:
        return DeidentifiedExportSummary(out, export_format, 0, (), None, outcome)
    final_rows = {row["_id"]: row for row in outcome.rows}
    for row in outcome.rows:
        row.pop("_id", None)
    sites = deidentified_sites(registry_sites, key)
    written = {"patients": 0}

    def records() -> Iterator[PatientRecord]:
        for record, _site in deidentified():
            written["patients"] += 1
            if progress is not None:
                progress(written["patients"])
            yield _generalised(record, final_rows[record.patient.id], outcome.generalised)

    target = report_path(export_format, out)
    write_records(export_format, out, sites, records())
    target.write_text(
        json.dumps(_report_document(outcome), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return DeidentifiedExportSummary(
        out, export_format, written["patients"], tuple(s.id for s in sites), target, outcome
    )
