"""FHIR R4 export of one patient record: Patient, the SPS Condition and MedicationStatements."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from record_examples import full_record, minimal_record

from spsreg.domain import (
    Dose,
    DoseUnit,
    DosingSchedule,
    MedicationCourse,
    PatientRecord,
    Route,
    StopReason,
    TherapyIntent,
    VitalStatus,
)
from spsreg.export.fhir_resources import (
    LOCAL_DRUG_SYSTEM,
    RXNORM_SYSTEM,
    UCUM_SYSTEM,
    fhir_id,
    patient_resources,
)
from spsreg.synth import CohortConfig, iter_synthetic_patients


def _validate(resource: dict[str, Any]) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def _by_id(record: PatientRecord) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in patient_resources(record)}


def _course(**changes: Any) -> MedicationCourse:
    fields: dict[str, Any] = {
        "id": "c-1",
        "drug_id": "diazepam",
        "route": Route.ORAL,
        "intent": TherapyIntent.SYMPTOMATIC,
        "schedule": DosingSchedule.REGULAR,
        "dose": Dose(value=5.0, unit=DoseUnit.MG),
        "times_per_period": 3,
        "period_days": 1,
        "start_date": date(2020, 1, 1),
    }
    fields.update(changes)
    return MedicationCourse(**fields)


def _statement(course: MedicationCourse) -> dict[str, Any]:
    record = minimal_record().model_copy(update={"medication_courses": (course,)})
    (statement,) = [r for r in patient_resources(record) if r["id"] == fhir_id(course.id)]
    _validate(statement)
    return statement


def test_every_resource_of_the_full_record_validates() -> None:
    resources = patient_resources(full_record())
    assert [r["resourceType"] for r in resources][:2] == ["Patient", "Condition"]
    assert {r["resourceType"] for r in resources} == {
        "Patient",
        "Condition",
        "Consent",
        "Observation",
        "Encounter",
        "MedicationStatement",
        "MedicationAdministration",
        "Device",
        "Procedure",
        "AdverseEvent",
    }
    for resource in resources:
        _validate(resource)


def test_every_resource_of_synthetic_records_validates() -> None:
    count = 0
    for synthetic in iter_synthetic_patients(CohortConfig(patients=5, years=1)):
        for resource in patient_resources(synthetic.record):
            _validate(resource)
            count += 1
    assert count >= 10


def test_an_invalid_resource_would_fail_validation() -> None:
    patient = patient_resources(minimal_record())[0]
    with pytest.raises(ValueError):
        _validate(patient | {"birthDate": "April 1971"})
    with pytest.raises(ValueError):
        _validate(patient | {"sex": "female"})


def test_patient_identifiers_sex_birth_month_and_life() -> None:
    patient = patient_resources(full_record())[0]
    assert patient["id"] == "p-0001"
    assert patient["identifier"] == [
        {"use": "official", "system": "urn:spsreg:patient-id", "value": "p-0001"},
        {"use": "secondary", "system": "urn:spsreg:pseudonym", "value": "PSN-P-0001"},
    ]
    assert patient["gender"] == "female"
    assert patient["birthDate"] == "1971-04"
    assert patient["deceasedBoolean"] is False


def test_identifiable_data_are_not_exported() -> None:
    text = repr(patient_resources(full_record()))
    for secret in ("Ada", "Lovelace", "HN-p-0001", "1971-04-14", "Testville", "7946"):
        assert secret not in text


def test_death_with_and_without_a_date() -> None:
    record = minimal_record()
    dead = record.patient.model_copy(
        update={"vital_status": VitalStatus.DEAD, "date_of_death": date(2022, 3, 4)}
    )
    resource = patient_resources(record.model_copy(update={"patient": dead}))[0]
    _validate(resource)
    assert resource["deceasedDateTime"] == "2022-03-04"
    assert "deceasedBoolean" not in resource
    undated = dead.model_copy(update={"date_of_death": None})
    resource = patient_resources(record.model_copy(update={"patient": undated}))[0]
    assert resource["deceasedBoolean"] is True
    lost = dead.model_copy(
        update={"date_of_death": None, "vital_status": VitalStatus.LOST_TO_FOLLOW_UP}
    )
    resource = patient_resources(record.model_copy(update={"patient": lost}))[0]
    assert "deceasedBoolean" not in resource and "deceasedDateTime" not in resource


def test_sps_condition_codes_come_from_the_pack_and_omit_the_medium_confidence_snomed() -> None:
    condition = patient_resources(full_record())[1]
    codings = {(c["system"], c["code"]) for c in condition["code"]["coding"]}
    assert codings == {
        ("http://hl7.org/fhir/sid/icd-10-cm", "G25.82"),
        ("http://www.orpha.net", "3198"),
    }
    assert condition["subject"] == {"reference": "Patient/p-0001"}
    assert condition["onsetDateTime"] == "2016-05-01"
    assert condition["extension"][0]["valueDateTime"] == "2018-12-03"
    assert condition["verificationStatus"]["coding"][0]["code"] == "confirmed"


def test_condition_without_dates_and_unknown_diagnosis_code() -> None:
    record = minimal_record()
    other = record.patient.model_copy(update={"diagnosis_code": "XYZ-1", "undiagnosed": True})
    condition = patient_resources(record.model_copy(update={"patient": other}))[1]
    _validate(condition)
    assert "onsetDateTime" not in condition and "extension" not in condition
    assert {"system": "urn:spsreg:diagnosis-code", "code": "XYZ-1"} in condition["code"]["coding"]
    assert condition["verificationStatus"]["coding"][0]["code"] == "unconfirmed"


def test_a_recorded_pack_code_is_kept_and_a_code_with_line_breaks_goes_to_an_extension() -> None:
    record = minimal_record()
    icd = record.patient.model_copy(update={"diagnosis_code": "G25.82"})
    condition = patient_resources(record.model_copy(update={"patient": icd}))[1]
    assert {"system": "urn:spsreg:diagnosis-code", "code": "G25.82"} in condition["code"]["coding"]
    odd = record.patient.model_copy(update={"diagnosis_code": "a\nb"})
    condition = patient_resources(record.model_copy(update={"patient": odd}))[1]
    _validate(condition)
    assert condition["extension"] == [
        {"url": "urn:spsreg:fhir:extension:diagnosis-code", "valueString": "a\nb"}
    ]


def test_rxnorm_only_where_the_pack_has_an_rxcui() -> None:
    resources = _by_id(full_record())
    diazepam = resources["p-0001-course-diazepam-1"]["medicationCodeableConcept"]["coding"]
    assert diazepam[0] == {"system": RXNORM_SYSTEM, "code": "3322", "display": "Diazepam"}
    ivig = resources["p-0001-course-ivig"]["medicationCodeableConcept"]["coding"]
    assert [c["system"] for c in ivig] == [LOCAL_DRUG_SYSTEM]
    assert ivig[0]["code"] == "ivig"
    unknown = _statement(_course(drug_id="not-in-pack"))["medicationCodeableConcept"]
    assert unknown["coding"] == [{"system": LOCAL_DRUG_SYSTEM, "code": "not-in-pack"}]


def test_regular_dosage_period_and_status() -> None:
    statement = _by_id(full_record())["p-0001-course-diazepam-1"]
    (dosage,) = statement["dosage"]
    assert dosage["doseAndRate"] == [
        {"doseQuantity": {"value": 5.0, "unit": "mg", "system": UCUM_SYSTEM, "code": "mg"}}
    ]
    assert dosage["timing"] == {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}}
    assert dosage["route"] == {
        "coding": [{"system": "urn:spsreg:route", "code": "oral"}],
        "text": "oral",
    }
    assert statement["effectivePeriod"] == {"start": "2019-03-01", "end": "2019-09-01"}
    assert statement["status"] == "completed"
    assert statement["statusReason"] == [
        {
            "coding": [{"system": "urn:spsreg:stop-reason", "code": "dose_changed"}],
            "text": "dose_changed",
        }
    ]


def test_continuous_intrathecal_dose_is_a_rate_per_day_in_ucum_micrograms() -> None:
    statement = _by_id(full_record())["p-0001-course-itb"]
    (dosage,) = statement["dosage"]
    rate = dosage["doseAndRate"][0]["rateRatio"]
    assert rate["numerator"] == {"value": 150.0, "unit": "mcg", "system": UCUM_SYSTEM, "code": "ug"}
    assert rate["denominator"]["code"] == "d" and rate["denominator"]["value"] == 1
    assert statement["status"] == "active"
    assert statement["effectivePeriod"] == {"start": "2021-02-10"}


def test_cyclic_weight_based_course_has_unit_text_only() -> None:
    statement = _by_id(full_record())["p-0001-course-ivig"]
    (dosage,) = statement["dosage"]
    assert dosage["doseAndRate"] == [{"doseQuantity": {"value": 2.0, "unit": "g/kg"}}]
    assert dosage["timing"] == {"repeat": {"frequency": 1, "period": 28, "periodUnit": "d"}}
    assert statement["status"] == "stopped"


@pytest.mark.parametrize(
    ("unit", "ucum"),
    [(DoseUnit.MG, "mg"), (DoseUnit.G, "g"), (DoseUnit.MCG, "ug"), (DoseUnit.ML, "mL")],
)
def test_ucum_codes_of_unambiguous_units(unit: DoseUnit, ucum: str) -> None:
    quantity = _statement(_course(dose=Dose(value=2.0, unit=unit)))["dosage"][0]["doseAndRate"][0]
    assert quantity["doseQuantity"]["code"] == ucum
    assert quantity["doseQuantity"]["system"] == UCUM_SYSTEM


def test_international_units_have_no_ucum_code() -> None:
    quantity = _statement(_course(dose=Dose(value=100.0, unit=DoseUnit.UNITS)))["dosage"][0]
    assert quantity["doseAndRate"][0]["doseQuantity"] == {"value": 100.0, "unit": "U"}


def test_as_needed_dose_with_a_maximum() -> None:
    course = _course(schedule=DosingSchedule.AS_NEEDED, times_per_period=2, period_days=1)
    (dosage,) = _statement(course)["dosage"]
    assert dosage["asNeededBoolean"] is True
    assert dosage["timing"] == {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}
    assert dosage["maxDosePerPeriod"]["numerator"]["value"] == 10.0
    assert dosage["maxDosePerPeriod"]["denominator"]["value"] == 1


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        (StopReason.COURSE_COMPLETED, "completed"),
        (StopReason.DOSE_CHANGED, "completed"),
        (StopReason.ADVERSE_EVENT, "stopped"),
        (StopReason.UNKNOWN, "stopped"),
    ],
)
def test_status_from_the_stop_reason(reason: StopReason, status: str) -> None:
    course = _course(stop_date=date(2020, 6, 1), stop_reason=reason)
    assert _statement(course)["status"] == status


def test_ids_are_stable_and_valid_for_fhir() -> None:
    assert patient_resources(full_record()) == patient_resources(full_record())
    assert fhir_id("p-0001") == "p-0001"
    converted = fhir_id("site_a:p1")
    assert converted == fhir_id("site_a:p1") != fhir_id("site_a:p2")
    record = minimal_record("site_a:p1")
    resources = patient_resources(record)
    for resource in resources:
        _validate(resource)
    assert resources[0]["id"] == converted
    assert resources[1]["subject"] == {"reference": f"Patient/{converted}"}
    assert resources[0]["identifier"][0]["value"] == "site_a:p1"
