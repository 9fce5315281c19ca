"""OMOP CDM export through the export service and the de-identified export.

The service writes the actor's patients as the eight OMOP tables; the de-identified export writes
the same tables with no identifier value and no original patient or site id anywhere in them.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from functools import cache
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from spsreg.domain import PatientRecord
from spsreg.export.deidentified import K_ANONYMITY_FILE, export_deidentified
from spsreg.export.omop_tables import OMOP_TABLES
from spsreg.export.service import ExportFormat, export_records
from spsreg.store import Actor, Registry
from spsreg.synth import CohortConfig, iter_synthetic_patients

CONFIG = CohortConfig(patients=6, sites=2, years=1, seed=11)
AS_OF = date(2027, 1, 1)


@cache
def cohort() -> tuple[PatientRecord, ...]:
    return tuple(patient.record for patient in iter_synthetic_patients(CONFIG))


@pytest.fixture
def loaded(registry: Registry, admin: Actor) -> Registry:
    for record in cohort():
        registry.save_patient_record(admin, record, reason="omop test cohort")
    return registry


def all_text(out: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((out / "csv").iterdir()))


def test_the_service_writes_every_table_as_csv_and_parquet(
    loaded: Registry, admin: Actor, tmp_path: Path
) -> None:
    out = tmp_path / "omop"
    summary = export_records(loaded, admin, ExportFormat.OMOP, out)

    assert summary.patients == len(cohort()) and summary.identifiers_included == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["table"] for entry in manifest["tables"]] == [t.name for t in OMOP_TABLES]
    for table in OMOP_TABLES:
        with (out / "csv" / table.csv_file).open(encoding="utf-8", newline="") as handle:
            assert tuple(next(csv.reader(handle))) == table.header
        assert pq.read_schema(out / "parquet" / table.parquet_file).names == list(table.header)
    with (out / "csv" / "person.csv").open(encoding="utf-8", newline="") as handle:
        sources = {row["person_source_value"] for row in csv.DictReader(handle)}
    assert sources == {record.patient.id for record in cohort()}
    text = all_text(out)
    for record in cohort():
        if record.identifiers is not None:
            assert record.identifiers.family_name not in text
            assert record.identifiers.hospital_number not in text


def test_the_deidentified_omop_export_holds_no_identifier_or_original_id(
    loaded: Registry, admin: Actor, tmp_path: Path
) -> None:
    out = tmp_path / "deid"
    summary = export_deidentified(loaded, admin, ExportFormat.OMOP, out, as_of=AS_OF, k_min=1)

    assert summary.patients == len(cohort()) and not summary.refused
    assert (out / K_ANONYMITY_FILE).exists() and (out / "manifest.json").exists()
    text = all_text(out) + (out / "manifest.json").read_text(encoding="utf-8")
    for parquet in (out / "parquet").iterdir():
        text += "\n" + pq.read_table(parquet).to_pandas().to_csv()
    for record in cohort():
        assert record.patient.id not in text and record.patient.pseudonym not in text
        identifiers = record.identifiers
        if identifiers is not None:
            for value in (identifiers.given_name, identifiers.family_name,
                          identifiers.hospital_number, identifiers.email, identifiers.phone):  # fmt: skip
                assert value is None or value not in text
    assert "SITE-A" not in text and "SITE-B" not in text
