"""Reading spsreg's own FHIR export back: exact records, unmapped extras, precise errors."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from record_examples import full_record, minimal_record

from spsreg.domain import PatientRecord, Site
from spsreg.export.fhir_resources import organization_resource, patient_resources
from spsreg.export.fhir_writers import write_fhir_bundle, write_fhir_ndjson
from spsreg.ingest.fhir_native_profile import (
    PATIENT_ID_SYSTEM,
    FhirProfileError,
    is_spsreg_patient,
    record_from_spsreg_resources,
    site_from_organization,
)
from spsreg.synth import CohortConfig, iter_synthetic_patients


def _exported(record: PatientRecord) -> list[dict[str, Any]]:
    """The record's resources as they come back from a JSON file."""
    resources: list[dict[str, Any]] = json.loads(json.dumps(patient_resources(record)))
    return resources


def _without_identifiers(record: PatientRecord) -> PatientRecord:
    return record.model_copy(update={"identifiers": None})


def _by_id(resources: list[dict[str, Any]], resource_id: str) -> dict[str, Any]:
    return next(r for r in resources if r["id"] == resource_id)


def test_the_full_record_comes_back_exactly_in_any_resource_order() -> None:
    record = full_record()
    resources = _exported(record)
    random.Random(7).shuffle(resources)
    native = record_from_spsreg_resources(resources)
    assert native.unmapped == ()
    assert native.record == _without_identifiers(record)
    assert native.record.model_dump_json() == _without_identifiers(record).model_dump_json()


def test_synthetic_patients_come_back_exactly() -> None:
    for synthetic in iter_synthetic_patients(CohortConfig(patients=20, years=3)):
        native = record_from_spsreg_resources(_exported(synthetic.record))
        assert native.record == _without_identifiers(synthetic.record)
        assert native.unmapped == ()


def _group_by_patient(resources: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for resource in resources:
        if resource["resourceType"] == "Organization":
            continue
        if resource["resourceType"] == "Patient":
            groups.setdefault(resource["id"], []).insert(0, resource)
            continue
        target = resource.get("subject") or resource.get("patient")
        groups.setdefault(target["reference"].split("/")[1], []).append(resource)
    return groups


def test_bundle_and_ndjson_files_read_back(tmp_path: Path) -> None:
    records = [full_record("p-0001"), minimal_record("p-0002")]
    sites = [Site(id="SITE-A", name="Centre A", country="DE")]
    write_fhir_bundle(tmp_path / "b.json", sites, records)
    entries = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["entry"]
    from_bundle = _group_by_patient([e["resource"] for e in entries])
    write_fhir_ndjson(tmp_path / "bulk", sites, records)
    lines = [
        json.loads(line)
        for path in sorted((tmp_path / "bulk").glob("*.ndjson"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    from_ndjson = _group_by_patient(lines)
    for record in records:
        expected = _without_identifiers(record)
        assert record_from_spsreg_resources(from_bundle[record.patient.id]).record == expected
        assert record_from_spsreg_resources(from_ndjson[record.patient.id]).record == expected
    organization = next(r for r in lines if r["resourceType"] == "Organization")
    assert site_from_organization(organization) == sites[0]


def test_is_spsreg_patient() -> None:
    patient = _exported(minimal_record())[0]
    assert is_spsreg_patient(patient)
    assert PATIENT_ID_SYSTEM == "urn:spsreg:patient-id"
    foreign = {"resourceType": "Patient", "identifier": [{"system": "urn:oid:1.2.3", "value": "9"}]}
    assert not is_spsreg_patient(foreign)
    assert not is_spsreg_patient(
        {"resourceType": "Observation", "identifier": patient["identifier"]}
    )


def test_site_from_organization() -> None:
    site = Site(id="SITE_A", name="Centre A", country="DE")
    assert site_from_organization(organization_resource(site)) == site
    assert site_from_organization({"resourceType": "Organization", "name": "Other"}) is None
    assert site_from_organization({"resourceType": "Patient"}) is None
    broken = organization_resource(site) | {"address": [{"country": "Germany"}]}
    with pytest.raises(FhirProfileError) as raised:
        site_from_organization(broken)
    assert raised.value.path == "Organization.address[0].country"


def test_foreign_resources_and_elements_are_unmapped_not_dropped() -> None:
    resources = _exported(full_record())
    foreign = {"resourceType": "Observation", "id": "x1", "status": "final", "code": {"text": "BP"}}
    resources.append(foreign)
    lab = _by_id(resources, "p-0001-lab-gad-serum")
    lab["extension"].append(
        {"url": "http://example.org/fhir/lab-note", "valueString": "haemolysed"}
    )
    lab["note"] = [{"text": "added by another system"}]
    lab["code"]["coding"].append({"system": "http://snomed.info/sct", "code": "123"})
    lab["meta"] |= {"versionId": "3", "lastUpdated": "2026-01-01T00:00:00Z"}
    lab["meta"]["tag"] = [{"system": "http://example.org/tags", "code": "imported"}]
    native = record_from_spsreg_resources(resources)
    assert native.record == _without_identifiers(full_record())
    items = {(u.category, u.item) for u in native.unmapped}
    assert ("Observation", "Observation/x1") in items
    assert ("Observation", "Observation.extension[2]") in items
    assert ("Observation", "Observation.note") in items
    assert ("Observation", "Observation.code.coding[2]") in items
    assert ("Observation", "Observation.meta.tag") in items
    assert len(native.unmapped) == 5
    indexes = {u.index for u in native.unmapped}
    assert indexes == {len(resources) - 1, resources.index(lab)}
    reasons = {u.item: u.reason for u in native.unmapped}
    assert "http://example.org/fhir/lab-note" in reasons["Observation.extension[2]"]


def _error(resources: list[dict[str, Any]]) -> FhirProfileError:
    with pytest.raises(FhirProfileError) as raised:
        record_from_spsreg_resources(resources)
    return raised.value


def test_a_malformed_component_value_names_its_path() -> None:
    resources = _exported(full_record())
    walk = _by_id(resources, "p-0001-assessment-t25fw-1")
    walk["component"][1]["valueQuantity"]["value"] = "eleven"
    error = _error(resources)
    assert error.index == resources.index(walk)
    assert error.path == "Observation.component[1].valueQuantity.value"
    assert "number" in error.reason


def test_bad_dates_codes_and_domain_values_name_their_path() -> None:
    resources = _exported(full_record())
    course = _by_id(resources, "p-0001-course-ivig")
    course["effectivePeriod"]["start"] = "2020-02-30"
    assert _error(resources).path == "MedicationStatement.effectivePeriod.start"
    resources = _exported(full_record())
    course = _by_id(resources, "p-0001-course-ivig")
    course["dosage"][0]["route"]["coding"][0]["code"] = "by mouth"
    error = _error(resources)
    assert error.path == "MedicationStatement.dosage[0].route.coding"
    assert "oral" in error.reason
    resources = _exported(full_record())
    weight = _by_id(resources, "p-0001-course-ivig")["extension"][1]["valueQuantity"]
    weight["value"] = -1
    error = _error(resources)
    assert error.path == "MedicationStatement.extension('urn:spsreg:fhir:extension:body-weight')"
    assert "greater than 0" in error.reason


def test_a_dangling_reference_is_an_error_at_the_referring_resource() -> None:
    resources = _exported(full_record())
    course = _by_id(resources, "p-0001-course-ivig")
    resources.remove(course)
    given = _by_id(resources, "p-0001-ivig-c1-d1")
    error = _error(resources)
    assert error.index in {
        resources.index(given),
        resources.index(_by_id(resources, "p-0001-ae-meningitis")),
    }
    assert "MedicationStatement/p-0001-course-ivig" in error.reason


def test_record_level_problems_are_errors_at_the_patient() -> None:
    resources = _exported(full_record())
    lab = _by_id(resources, "p-0001-lab-hba1c")
    lab["identifier"][0]["value"] = "p-0001-lab-gad-csf"
    error = _error(resources)
    assert (error.index, error.path) == (0, "Patient")
    assert "more than once" in error.reason


def test_the_patient_and_its_sps_condition_are_required() -> None:
    resources = _exported(minimal_record())
    assert "expected one SPS Condition" in _error(resources[:1]).reason
    assert "expected one spsreg Patient" in _error(resources[1:]).reason
    second = copy.deepcopy(resources[0])
    assert "found 2" in _error([*resources, second]).reason


def test_a_modifier_extension_cannot_be_ignored() -> None:
    resources = _exported(full_record())
    course = _by_id(resources, "p-0001-course-ivig")
    course["modifierExtension"] = [{"url": "http://example.org/not-taken", "valueBoolean": True}]
    error = _error(resources)
    assert error.path == "MedicationStatement.modifierExtension"


def test_a_foreign_resource_with_a_modifier_extension_is_only_unmapped() -> None:
    resources = _exported(minimal_record())
    foreign = {
        "resourceType": "MedicationRequest",
        "id": "m1",
        "modifierExtension": [{"url": "http://example.org/x", "valueBoolean": True}],
    }
    site = organization_resource(Site(id="SITE-A", name="A", country="DE"))
    native = record_from_spsreg_resources([*resources, foreign, site])
    assert [(u.index, u.item) for u in native.unmapped] == [
        (2, "MedicationRequest/m1"),
        (3, "Organization/SITE-A"),
    ]
    assert "site_from_organization" in native.unmapped[1].reason


def test_a_profile_on_the_wrong_resource_type_is_an_error() -> None:
    resources = _exported(full_record())
    consent = _by_id(resources, "p-0001-consent-registry")
    consent["resourceType"] = "Observation"
    error = _error(resources)
    assert error.path == "Observation.meta.profile"
