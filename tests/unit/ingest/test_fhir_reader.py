"""The FHIR reader on external data written in other systems' styles (fixtures under
tests/fixtures/fhir): mapping, stable ids, unmapped reporting, and bundle all-or-nothing."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from spsreg.domain.medications import DosingSchedule
from spsreg.ingest.batch import NativeBatch, ParsedRecord
from spsreg.ingest.errors import RecordError
from spsreg.ingest.fhir_reader import read_fhir_path

FIXTURES = Path(__file__).parents[2] / "fixtures" / "fhir"
BUNDLE = FIXTURES / "riverside-transaction.json"
NDJSON = FIXTURES / "ndjson"


def _results(batch: NativeBatch) -> tuple[list[ParsedRecord], list[RecordError]]:
    items = list(batch)
    return [i for i in items if isinstance(i, ParsedRecord)], [
        i for i in items if isinstance(i, RecordError)
    ]


def _write_bundle(tmp_path: Path, bundle: dict[str, Any]) -> Path:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


def _bundle() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(BUNDLE.read_text(encoding="utf-8"))
    return data


def test_transaction_bundle_maps_diagnosis_drugs_labs_and_identifiers() -> None:
    records, errors = _results(read_fhir_path(BUNDLE, site_id="SITE-A"))
    assert errors == []
    first, second = (parsed.record for parsed in records)
    assert first.patient.site_id == "SITE-A"
    assert first.patient.undiagnosed is False
    assert first.patient.diagnosis_code == "G25.82"
    assert first.patient.diagnosis_date == date(2018, 1, 9)  # assertedDate wins over recordedDate
    assert first.identifiers is not None and first.identifiers.hospital_number == "RV-10233"
    assert first.identifiers.date_of_birth == date(1968, 3, 14)
    courses = {course.drug_id: course for course in first.medication_courses}
    assert courses["diazepam"].dose.value == 10.0  # 2 tablets x 5 MG
    assert (courses["diazepam"].times_per_period, courses["diazepam"].period_days) == (3, 1)
    assert courses["baclofen"].stop_date == date(2019, 6, 30)
    assert courses["baclofen"].times_per_period == 2  # timing code BID
    assert [lab.analyte for lab in first.lab_results] == ["gad65_antibody"]
    # the second patient is named only by a conditional reference
    assert second.patient.undiagnosed is True
    assert second.medication_courses[0].schedule is DosingSchedule.AS_NEEDED


def test_unmapped_content_is_listed_with_reasons() -> None:
    records, _ = _results(read_fhir_path(BUNDLE, site_id="SITE-A"))
    reasons = {item.category: item.reason for item in records[0].unmapped}
    assert "not a knowledge-pack drug" in reasons["MedicationRequest"]
    assert "ALLERGY TO PACK DRUG clonazepam" in reasons["AllergyIntolerance"]
    assert "procedure" in reasons["Procedure"]
    assert "not a knowledge-pack lab code" in reasons["Observation"]
    assert "not a full date" in reasons["Condition"] or "verified" in reasons["Condition"]
    notices = [item for item in records[1].unmapped if item.category == "notice"]
    assert notices and "undiagnosed" in notices[0].reason
    medium = [item for item in records[1].unmapped if item.category == "Condition"]
    assert "medium confidence" in medium[0].reason


def test_reading_twice_gives_the_same_ids() -> None:
    once, _ = _results(read_fhir_path(BUNDLE, site_id="SITE-A"))
    again, _ = _results(read_fhir_path(BUNDLE, site_id="SITE-A"))
    assert [r.record for r in once] == [r.record for r in again]
    assert once[0].record.patient.pseudonym.startswith("FHIR-")


def test_external_data_need_a_target_site() -> None:
    batch = read_fhir_path(BUNDLE, site_id=None)
    assert not batch.accepted
    assert "--into-site" in batch.file_errors[0].reason


def test_invalid_resource_rejects_the_whole_bundle_with_its_path(tmp_path: Path) -> None:
    bundle = _bundle()
    bundle["entry"][5]["resource"]["dosageInstruction"][0]["timing"]["repeat"]["frequency"] = "x"
    records, errors = _results(read_fhir_path(_write_bundle(tmp_path, bundle), site_id="SITE-A"))
    assert records == []
    bad = [e for e in errors if e.field.startswith("MedicationRequest.dosageInstruction[0]")]
    assert bad and bad[0].line == 6
    # the other patient of the bundle is rejected too, and says why
    assert any("whole or not at all" in e.reason for e in errors)


def test_subject_that_is_not_in_the_bundle_is_an_error(tmp_path: Path) -> None:
    bundle = _bundle()
    bundle["entry"][3]["resource"]["subject"] = {"reference": "Patient/nobody"}
    records, errors = _results(read_fhir_path(_write_bundle(tmp_path, bundle), site_id="SITE-A"))
    assert records == []
    assert "Patient/nobody" in errors[0].reason


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"resourceType": "Patient", "id": "x"}', "expected a FHIR Bundle"),
        ('{"resourceType": "Bundle", "type": "document", "entry": []}', "Bundle.type"),
        ("[1, 2]", "expected a FHIR Bundle"),
    ],
)
def test_unreadable_bundles_are_clear_errors(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    records, errors = _results(read_fhir_path(path, site_id="SITE-A"))
    assert records == []
    assert expected in errors[0].reason or expected in errors[0].field


def test_missing_birth_date_refuses_the_patient(tmp_path: Path) -> None:
    bundle = _bundle()
    del bundle["entry"][1]["resource"]["birthDate"]
    records, errors = _results(read_fhir_path(_write_bundle(tmp_path, bundle), site_id="SITE-A"))
    assert records == []
    assert any(e.field == "Patient.birthDate" for e in errors)


def test_ndjson_set_resolves_absolute_history_and_medication_references() -> None:
    batch = read_fhir_path(NDJSON, site_id="SITE-A")
    records, errors = _results(batch)
    assert errors == []
    first, second = (parsed.record for parsed in records)
    assert first.patient.onset_date == date(2012, 3, 1)
    assert first.medication_courses[0].drug_id == "gabapentin"  # via medicationReference
    assert first.medication_courses[0].dose.value == 300.0
    assert first.lab_results[0].method.value == "elisa"
    assert second.patient.date_of_death == date(2023, 10, 4)
    reasons = [item.reason for item in records[1].unmapped]
    assert any("no stop date" in reason for reason in reasons)
    assert [item.category for item in batch.unmapped] == ["Medication"]


def test_ndjson_bad_line_rejects_only_its_patient(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    for source in NDJSON.iterdir():
        (folder / source.name).write_bytes(source.read_bytes())
    lines = (folder / "Condition.ndjson").read_text(encoding="utf-8").splitlines()
    condition = json.loads(lines[0])
    condition["onsetDateTime"] = "last spring"
    (folder / "Condition.ndjson").write_text(
        json.dumps(condition) + "\n" + lines[1] + "\n{broken\n", encoding="utf-8"
    )
    records, errors = _results(read_fhir_path(folder, site_id="SITE-A"))
    assert [r.record.patient.birth_year_month for r in records] == ["1981-01"]
    assert any(e.field.startswith("Condition.onsetDateTime") and e.line == 1 for e in errors)
    assert any(e.line == 3 and "not valid JSON" in e.reason for e in errors)


def test_dose_not_derivable_is_unmapped(tmp_path: Path) -> None:
    bundle = _bundle()
    request = copy.deepcopy(bundle["entry"][5]["resource"])
    request["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 5, "unit": "mL"}
    bundle["entry"][5]["resource"] = request
    records, _ = _results(read_fhir_path(_write_bundle(tmp_path, bundle), site_id="SITE-A"))
    assert "diazepam" not in {c.drug_id for c in records[0].record.medication_courses}
    assert any("'ml'" in item.reason for item in records[0].unmapped)


def test_missing_path_is_a_file_error(tmp_path: Path) -> None:
    batch = read_fhir_path(tmp_path / "absent.json", site_id="SITE-A")
    assert batch.file_errors[0].reason == "no such file or directory"
