"""The OMOP writer: every table's CSV header and Parquet schema match the CDM v5.4 definitions,
the rows map the registry sections as docs/omop.md says, and a finished export has a manifest."""

from __future__ import annotations

import csv
import json
from datetime import date
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spsreg.domain import PatientRecord
from spsreg.export.omop_tables import OMOP_TABLES, CdmType, omop_table
from spsreg.export.omop_writer import MANIFEST_FILE, arrow_schema, write_omop
from spsreg.synth import CohortConfig, generate_sites, iter_synthetic_patients

CONFIG = CohortConfig(patients=6, sites=2, years=1, seed=11)
EXPECTED_TYPES = {
    CdmType.INTEGER: pa.int64(),
    CdmType.FLOAT: pa.float64(),
    CdmType.DATE: pa.date32(),
    CdmType.DATETIME: pa.timestamp("us"),
    CdmType.VARCHAR: pa.string(),
}


@cache
def cohort() -> tuple[PatientRecord, ...]:
    return tuple(patient.record for patient in iter_synthetic_patients(CONFIG))


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    out = tmp_path / "omop"
    assert write_omop(out, generate_sites(CONFIG), cohort()) == len(cohort())
    return out


def rows_of(out: Path, table: str) -> list[dict[str, str]]:
    with (out / "csv" / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_eight_cdm_tables_are_defined_in_ddl_order() -> None:
    assert [t.name for t in OMOP_TABLES] == [
        "person", "observation_period", "visit_occurrence", "condition_occurrence",
        "drug_exposure", "procedure_occurrence", "measurement", "observation",
    ]  # fmt: skip
    drug = omop_table("drug_exposure")
    types = {c.name: c.cdm_type for c in drug.columns}
    assert types["quantity"] == "float" and types["sig"] == "varchar(MAX)"
    assert types["days_supply"] == "integer" and types["stop_reason"] == "varchar(20)"
    assert [c.name for c in drug.columns if c.required] == [
        "drug_exposure_id", "person_id", "drug_concept_id", "drug_exposure_start_date",
        "drug_exposure_end_date", "drug_type_concept_id",
    ]  # fmt: skip


def test_every_csv_header_and_parquet_schema_matches_the_definitions(exported: Path) -> None:
    for table in OMOP_TABLES:
        with (exported / "csv" / table.csv_file).open(encoding="utf-8", newline="") as handle:
            assert tuple(next(csv.reader(handle))) == table.header
        schema = pq.read_schema(exported / "parquet" / table.parquet_file)
        assert schema.names == list(table.header)
        for column in table.columns:
            field = schema.field(column.name)
            assert field.type == EXPECTED_TYPES[column.base_type], column.name
            assert field.nullable is not column.required, column.name
        assert schema.equals(arrow_schema(table))


def test_csv_and_parquet_hold_the_same_rows_as_the_manifest_counts(exported: Path) -> None:
    manifest = json.loads((exported / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["cdm_version"] == "5.4" and manifest["patients"] == len(cohort())
    for entry in manifest["tables"]:
        parquet = pq.read_table(exported / entry["parquet"])
        assert len(rows_of(exported, entry["table"])) == parquet.num_rows == entry["rows"]
    counts = {entry["table"]: entry["rows"] for entry in manifest["tables"]}
    assert counts["person"] == counts["observation_period"] == len(cohort())
    assert all(counts[name] > 0 for name in ("visit_occurrence", "drug_exposure", "measurement"))
    assert not [p for p in exported.iterdir() if p.name.startswith(".omop-partial")]


def test_person_rows_carry_gender_birth_month_and_the_registry_id(exported: Path) -> None:
    people = rows_of(exported, "person")
    assert [row["person_id"] for row in people] == [str(i) for i in range(1, len(cohort()) + 1)]
    for row, record in zip(people, cohort(), strict=True):
        year, month = record.patient.birth_year_month.split("-")
        assert (row["year_of_birth"], row["month_of_birth"]) == (year, str(int(month)))
        assert row["day_of_birth"] == "" and row["race_concept_id"] == "0"
        expected = {"male": "8507", "female": "8532"}.get(record.patient.sex.value, "0")
        assert row["gender_concept_id"] == expected
        assert row["person_source_value"] == record.patient.id


def test_drug_exposure_fills_the_dose_fields_of_each_course(exported: Path) -> None:
    rows = rows_of(exported, "drug_exposure")
    courses = [c for r in cohort() for c in r.medication_courses]
    course_rows = [row for row in rows if row["drug_type_concept_id"] == "32879"]
    assert len(course_rows) == len(courses)
    for row, course in zip(course_rows, courses, strict=True):
        assert float(row["quantity"]) == course.dose.value
        assert row["dose_unit_source_value"] == course.dose.unit.value
        assert row["route_source_value"] == course.route.value
        assert row["sig"].startswith(f"{course.dose.value:g} {course.dose.unit.value}")
        assert row["drug_concept_id"] == "0" and row["days_supply"] == ""
        assert row["drug_exposure_start_date"] == course.start_date.isoformat()
        if course.stop_date is not None:
            assert row["verbatim_end_date"] == course.stop_date.isoformat()
            assert date.fromisoformat(row["drug_exposure_end_date"]) < course.stop_date or (
                course.stop_date == course.start_date
            )
    given = [row for row in rows if row["drug_type_concept_id"] == "32818"]
    assert len(given) == sum(len(r.administrations) for r in cohort())


def test_every_event_lies_within_the_patients_observation_period(exported: Path) -> None:
    periods = {
        row["person_id"]: (row["observation_period_start_date"], row["observation_period_end_date"])
        for row in rows_of(exported, "observation_period")
    }
    for table, column in (("visit_occurrence", "visit_start_date"),
                          ("drug_exposure", "drug_exposure_end_date"),
                          ("measurement", "measurement_date"),
                          ("observation", "observation_date")):  # fmt: skip
        for row in rows_of(exported, table):
            start, end = periods[row["person_id"]]
            assert start <= row[column] <= end, (table, row)


def test_the_sps_diagnosis_is_the_icd10cm_source_code_with_concept_0(exported: Path) -> None:
    conditions = rows_of(exported, "condition_occurrence")
    sps = [row for row in conditions if row["condition_source_value"] == "G25.82"]
    assert len(sps) == sum(
        1 for r in cohort() if (r.patient.diagnosis_date or r.patient.first_contact_date)
    )
    assert {row["condition_concept_id"] for row in conditions} == {"0"}


def test_a_missing_required_value_is_refused_and_no_manifest_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import spsreg.export.omop_rows_events as events

    monkeypatch.setattr(events, "person_row", lambda record, ctx: {"person_id": None})
    out = tmp_path / "bad"
    with pytest.raises(ValueError, match=r"person\.person_id is required"):
        write_omop(out, generate_sites(CONFIG), cohort()[:1])
    assert not (out / MANIFEST_FILE).exists() and not (out / "csv").exists()
    assert not list(out.iterdir())
