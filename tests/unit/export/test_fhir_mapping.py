"""FHIR R4 mapping of every record section: standard elements, spsreg extensions, local codes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from record_examples import full_record, minimal_record

from spsreg.domain import Assessment, PatientRecord, Site, Visit
from spsreg.export.fhir_common import EXTENSION_BASE, PROFILE_BASE, fhir_id
from spsreg.export.fhir_resources import organization_resource, patient_resources
from spsreg.synth import CohortConfig, iter_synthetic_patients

EXT = EXTENSION_BASE


def _validate(resource: dict[str, Any]) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


@pytest.fixture(scope="module")
def resources() -> dict[str, dict[str, Any]]:
    return {f"{r['resourceType']}/{r['id']}": r for r in patient_resources(full_record())}


def _ext(resource: dict[str, Any], name: str) -> Any:
    (found,) = [e for e in resource.get("extension", []) if e["url"] == EXT + name]
    return next(value for key, value in found.items() if key.startswith("value"))


def _codes(concept: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept.get("coding", [])}


def test_twenty_synthetic_patients_validate_in_every_resource_type() -> None:
    seen: set[str] = set()
    for synthetic in iter_synthetic_patients(CohortConfig(patients=20, years=3)):
        for resource in patient_resources(synthetic.record):
            _validate(resource)
            seen.add(resource["resourceType"])
    assert {"Patient", "Condition", "Observation", "Encounter", "MedicationStatement"} <= seen


def test_every_resource_declares_its_profile_and_has_a_unique_id() -> None:
    resources = patient_resources(full_record())
    keys = [f"{r['resourceType']}/{r['id']}" for r in resources]
    assert len(keys) == len(set(keys))
    for resource in resources:
        (profile,) = resource["meta"]["profile"]
        assert profile.startswith(PROFILE_BASE)


def test_site_organization_and_managing_organization() -> None:
    organization = organization_resource(Site(id="SITE_A", name="Centre A", country="DE"))
    _validate(organization)
    assert organization["id"] == fhir_id("SITE_A") != "SITE_A"
    assert organization["address"] == [{"country": "DE"}]
    assert organization["identifier"] == [{"system": "urn:spsreg:site-id", "value": "SITE_A"}]
    patient = patient_resources(full_record(site_id="SITE_A"))[0]
    assert patient["managingOrganization"]["reference"] == f"Organization/{fhir_id('SITE_A')}"


def test_patient_common_data_elements_are_extensions(resources: dict[str, dict[str, Any]]) -> None:
    patient = resources["Patient/p-0001"]
    assert _ext(patient, "vital-status") == "alive"
    assert _ext(patient, "phenotype") == "classic"
    assert _ext(patient, "first-contact-date") == "2018-11-20"
    assert _ext(patient, "biobank-link") == "biobank:sample-set-17"
    assert _ext(patient, "functioning-classification") == "ICF d450.2"


def test_consents(resources: dict[str, dict[str, Any]]) -> None:
    granted = resources["Consent/p-0001-consent-registry"]
    assert granted["status"] == "active"
    assert _codes(granted["category"][0]) == {("urn:spsreg:consent-kind", "registry")}
    assert granted["dateTime"] == "2018-11-20"
    assert granted["patient"] == {"reference": "Patient/p-0001"}
    withdrawn = resources["Consent/p-0001-consent-contact"]
    assert withdrawn["status"] == "inactive"
    assert _ext(withdrawn, "withdrawn-date") == "2022-06-30"


def test_comorbidities_are_problem_list_conditions(resources: dict[str, dict[str, Any]]) -> None:
    other = resources["Condition/p-0001-comorbidity-other"]
    assert _codes(other["code"]) == {("urn:spsreg:comorbidity-kind", "other")}
    assert other["note"] == [{"text": "coeliac disease"}]
    assert other["onsetDateTime"] == "2010-02-01"
    assert other["abatementDateTime"] == "2012-02-01"
    assert other["clinicalStatus"]["coding"][0]["code"] == "resolved"
    t1d = resources["Condition/p-0001-comorbidity-t1d"]
    assert t1d["clinicalStatus"]["coding"][0]["code"] == "active"


def test_labs_carry_loinc_only_for_the_verified_specimen_method_and_unit(
    resources: dict[str, dict[str, Any]],
) -> None:
    serum = resources["Observation/p-0001-lab-gad-serum"]
    assert _codes(serum["code"]) == {
        ("http://loinc.org", "94345-6"),
        ("urn:spsreg:lab-analyte", "gad65_antibody"),
    }
    assert serum["valueQuantity"] == {
        "value": 254.3,
        "unit": "nmol/L",
        "system": "http://unitsofmeasure.org",
        "code": "nmol/L",
    }
    assert serum["interpretation"][0]["coding"][0]["code"] == "POS"
    assert serum["performer"] == [{"display": "Reference lab"}]
    assert _ext(serum, "specimen") == "serum"
    assert _codes(serum["method"]) == {("urn:spsreg:assay-method", "ria")}
    csf = resources["Observation/p-0001-lab-gad-csf"]
    assert ("http://loinc.org", "94359-7") in _codes(csf["code"])
    hba1c = resources["Observation/p-0001-lab-hba1c"]
    assert _codes(hba1c["code"]) == {("urn:spsreg:lab-analyte", "hba1c")}
    assert hba1c["valueQuantity"]["value"] == 0.1 + 0.2


def test_a_titre_is_a_ratio_component() -> None:
    record = full_record()
    lab = record.lab_results[0].model_copy(update={"titre_denominator": 640})
    record = record.model_copy(update={"lab_results": (lab,)})
    (observation,) = [r for r in patient_resources(record) if r["id"] == lab.id]
    _validate(observation)
    (component,) = observation["component"]
    assert component["valueRatio"] == {"numerator": {"value": 1}, "denominator": {"value": 640}}


def test_genetic_marker(resources: dict[str, dict[str, Any]]) -> None:
    marker = resources["Observation/p-0001-hla-drb1"]
    values = [c["valueString"] for c in marker["component"]]
    assert values == ["HLA", "DRB1", "03:01"]
    assert marker["method"] == {"text": "sequencing"}
    assert marker["effectiveDateTime"] == "2019-01-15"


def test_visit_encounter_with_weight_and_scale_assessments(
    resources: dict[str, dict[str, Any]],
) -> None:
    encounter = resources["Encounter/p-0001-visit-baseline"]
    assert encounter["class"]["code"] == "AMB"
    assert encounter["period"] == {"start": "2018-12-03", "end": "2018-12-03"}
    assert _codes(encounter["type"][0]) == {("urn:spsreg:visit-kind", "baseline")}
    assert resources["Encounter/p-0001-visit-phone"]["class"]["code"] == "VR"
    (weight,) = [r for r in resources.values() if r["meta"]["profile"][0].endswith("body-weight")]
    assert weight["valueQuantity"]["value"] == 72.35
    assert weight["encounter"] == {"reference": "Encounter/p-0001-visit-baseline"}
    stiffness = resources["Observation/p-0001-assessment-si-1"]
    assert stiffness["code"]["coding"] == [
        {"system": "urn:spsreg:scale", "code": "stiffness_index", "version": "1"}
    ]
    assert "valueQuantity" not in stiffness  # an unanswered item leaves no total
    answered = {c["code"]["coding"][0]["code"]: c for c in stiffness["component"]}
    assert answered["lower_trunk"]["valueInteger"] == 1
    assert answered["abdomen"]["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    walk = resources["Observation/p-0001-assessment-t25fw-1"]
    assert walk["valueQuantity"] == {"value": 12.15}
    assert walk["component"][0]["valueQuantity"] == {"value": 12.4}


def test_item_responses_of_every_type() -> None:
    responses: dict[str, Any] = {"a": 3, "b": 3.0, "c": "3", "d": "", "e": None, "f": 2**40}
    visit = Visit(
        id="v1",
        visit_date=date(2020, 1, 1),
        assessments=(
            Assessment(
                id="a1", scale_id="custom scale\nv2", scale_version="x", responses=responses
            ),
        ),
    )
    record = minimal_record().model_copy(update={"visits": (visit,)})
    (observation,) = [r for r in patient_resources(record) if r["id"] == "a1"]
    _validate(observation)
    assert observation["code"] == {
        "text": "custom scale\nv2",
        "extension": [{"url": EXT + "scale-version", "valueString": "x"}],
    }
    values = [{k: v for k, v in c.items() if k != "code"} for c in observation["component"]]
    assert values == [
        {"valueInteger": 3},
        {"valueQuantity": {"value": 3.0}},
        {"valueString": "3"},
        {"extension": [{"url": EXT + "empty-text", "valueBoolean": True}]},
        {"dataAbsentReason": values[4]["dataAbsentReason"]},
        {"valueQuantity": {"value": 2**40}},
    ]


def test_medication_course_chain_weight_and_cyclic_schedule(
    resources: dict[str, dict[str, Any]],
) -> None:
    second = resources["MedicationStatement/p-0001-course-diazepam-2"]
    assert second["partOf"] == [{"reference": "MedicationStatement/p-0001-course-diazepam-1"}]
    ivig = resources["MedicationStatement/p-0001-course-ivig"]
    assert _ext(ivig, "body-weight")["value"] == 72.35
    (dosage,) = ivig["dosage"]
    assert _ext(dosage, "dosing-schedule") == "cyclic_course"
    assert _ext(dosage, "course-days") == 2
    assert _codes(ivig["category"]) == {("urn:spsreg:therapy-intent", "immunotherapy")}


def test_administrations_name_their_course(resources: dict[str, dict[str, Any]]) -> None:
    given = resources["MedicationAdministration/p-0001-ivig-c1-d2"]
    assert _ext(given, "medication-course") == {
        "reference": "MedicationStatement/p-0001-course-ivig"
    }
    assert given["effectiveDateTime"] == "2020-01-07"
    assert given["dosage"] == {"dose": {"value": 1.0, "unit": "g/kg"}}
    assert _ext(given, "cycle-number") == 1 and _ext(given, "day-of-cycle") == 2


def test_pump_device_and_refill_procedures(resources: dict[str, dict[str, Any]]) -> None:
    pump = resources["Device/p-0001-pump-1"]
    assert pump["status"] == "active"
    assert pump["deviceName"] == [{"name": "test pump", "type": "user-friendly-name"}]
    assert pump["property"][0]["valueQuantity"][0]["value"] == 40.0
    assert _ext(pump, "implanted-on") == "2021-02-10"
    refill = resources["Procedure/p-0001-refill-1"]
    assert refill["focalDevice"] == [{"manipulated": {"reference": "Device/p-0001-pump-1"}}]
    assert _ext(refill, "daily-dose")["code"] == "ug/d"
    assert _ext(refill, "alarm-date") == "2021-08-01"


def test_procedures_and_non_drug_therapies(resources: dict[str, dict[str, Any]]) -> None:
    plex = resources["Procedure/p-0001-plex-1"]
    assert _codes(plex["code"]) == {("urn:spsreg:procedure-kind", "plasmapheresis")}
    assert plex["performedPeriod"] == {"start": "2020-09-01", "end": "2020-09-10"}
    assert _ext(plex, "sessions") == 5
    physio = resources["Procedure/p-0001-physio"]
    assert _codes(physio["code"]) == {("urn:spsreg:non-drug-therapy-kind", "physical_therapy")}
    assert _ext(physio, "sessions-per-month") == 4.5
    assert physio["note"] == [{"text": "stretching programme"}]


def test_adverse_events(resources: dict[str, dict[str, Any]]) -> None:
    event = resources["AdverseEvent/p-0001-ae-meningitis"]
    assert event["actuality"] == "actual"
    assert event["event"] == {"text": "Meningitis"}
    assert event["seriousness"]["coding"][0]["code"] == "serious"
    assert event["severity"]["coding"][0]["code"] == "severe"
    assert event["outcome"]["coding"][0]["code"] == "recovering"
    assert _ext(event, "ctcae-grade") == 4
    assert _ext(event, "action-taken") == "dose_interrupted"
    assert [s["instance"]["reference"] for s in event["suspectEntity"]] == [
        "MedicationStatement/p-0001-course-itb",
        "MedicationStatement/p-0001-course-ivig",
    ]
    mild = resources["AdverseEvent/p-0001-ae-somnolence"]
    assert mild["severity"]["coding"][0]["code"] == "moderate"
    assert _ext(mild, "resolved-date") == "2019-10-01"


def test_diary_entries_keep_triggers_and_doses_in_order(
    resources: dict[str, dict[str, Any]],
) -> None:
    diary = resources["Observation/p-0001-diary-2021-03-01"]
    fields = [c["code"]["coding"][0]["code"] for c in diary["component"]]
    assert fields == [
        "stiffness",
        "spasm-count",
        "falls",
        "sedation",
        "trigger",
        "trigger",
        "doses-taken",
        "doses-taken",
    ]
    assert diary["component"][5]["valueCodeableConcept"]["coding"][0]["code"] == "cold"
    assert diary["component"][7]["code"]["coding"][1] == {
        "system": "urn:spsreg:drug",
        "code": "baclofen",
    }


def test_record_order_is_exported(resources: dict[str, dict[str, Any]]) -> None:
    out_of_date_order = resources["Observation/p-0001-diary-2021-02-28"]
    assert _ext(out_of_date_order, "record-order") == 2


def test_identifiers_never_leave_in_any_resource() -> None:
    record: PatientRecord = full_record()
    assert record.identifiers is not None
    text = repr(patient_resources(record))
    for secret in ("Lovelace", "HN-p-0001", "1971-04-14", "Test Street", "ada.test@"):
        assert secret not in text
