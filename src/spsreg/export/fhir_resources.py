"""FHIR R4 resources for one patient record: Patient, the SPS Condition and MedicationStatements.

Pure mapping, no I/O: :func:`patient_resources` turns a :class:`PatientRecord` into a list of FHIR
R4 resource dictionaries (JSON-ready), which a bundle or NDJSON writer serialises. Codes come only
from the knowledge pack: ICD-10-CM, Orphanet and SNOMED CT codes of stiff person syndrome are
exported only where the pack marks them high-confidence, RxNorm only where the pack has an rxcui.
Everything else uses a local code system under ``urn:spsreg:``. Resource ids are derived from the
registry's record ids, so exporting the same record twice gives the same ids.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from spsreg.domain.medications import DosingSchedule, MedicationCourse, StopReason
from spsreg.domain.patient import Patient, VitalStatus
from spsreg.domain.record import PatientRecord
from spsreg.domain.units import DoseUnit
from spsreg.knowledge.disease_codes import CodeConfidence, CodeSystem, DiseaseCode
from spsreg.knowledge.pack import KnowledgePack, load_knowledge_pack

__all__ = [
    "CODE_SYSTEM_URIS",
    "LOCAL_DIAGNOSIS_SYSTEM",
    "LOCAL_DRUG_SYSTEM",
    "PATIENT_ID_SYSTEM",
    "PSEUDONYM_SYSTEM",
    "RXNORM_SYSTEM",
    "UCUM_SYSTEM",
    "FhirResource",
    "condition_resource",
    "fhir_id",
    "medication_statement_resource",
    "patient_resource",
    "patient_resources",
    "sps_condition_codings",
]

FhirResource = dict[str, Any]
"""One FHIR resource as a JSON-ready dictionary."""

PATIENT_ID_SYSTEM = "urn:spsreg:patient-id"
"""Identifier system of the registry's stable patient id."""
PSEUDONYM_SYSTEM = "urn:spsreg:pseudonym"
"""Identifier system of the registry pseudonym (CDE 1.1)."""
LOCAL_DRUG_SYSTEM = "urn:spsreg:drug"
"""Local code system of knowledge-pack drug ids."""
LOCAL_DIAGNOSIS_SYSTEM = "urn:spsreg:diagnosis-code"
"""Local code system for a recorded diagnosis code (CDE 6.1) that is not an SPS code of the pack."""
RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM_SYSTEM = "http://unitsofmeasure.org"

CODE_SYSTEM_URIS: dict[CodeSystem, str] = {
    CodeSystem.ICD10CM: "http://hl7.org/fhir/sid/icd-10-cm",
    CodeSystem.ORPHANET: "http://www.orpha.net",
    CodeSystem.SNOMED_CT: "http://snomed.info/sct",
}
"""FHIR system URIs of the disease-code systems that the SPS Condition may carry."""

_CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
_ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"

_UCUM_UNITS: dict[DoseUnit, str] = {
    DoseUnit.MG: "mg",
    DoseUnit.G: "g",
    DoseUnit.MCG: "ug",
    DoseUnit.ML: "mL",
}
"""Dose units with one unambiguous UCUM code; other units are exported as unit text only."""

_COMPLETED_REASONS = frozenset({StopReason.COURSE_COMPLETED, StopReason.DOSE_CHANGED})
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_ID_NAMESPACE = uuid.UUID("6f0c1d2e-5a7b-4c3d-9e8f-51a2b3c4d5e6")


def fhir_id(record_id: str) -> str:
    """A FHIR resource id for a registry record id, stable across exports.

    A record id that is already a valid FHIR id (letters, digits, '-', '.', at most 64) is kept;
    one with '_' or ':' becomes a name-based UUID (version 5) of it.
    """
    if _FHIR_ID.match(record_id):
        return record_id
    return str(uuid.uuid5(_ID_NAMESPACE, record_id))


def _reference(patient: Patient) -> dict[str, str]:
    return {"reference": f"Patient/{fhir_id(patient.id)}"}


def patient_resource(patient: Patient) -> FhirResource:
    """The FHIR Patient: registry id and pseudonym as identifiers, sex, birth month, death."""
    resource: FhirResource = {
        "resourceType": "Patient",
        "id": fhir_id(patient.id),
        "identifier": [
            {"use": "official", "system": PATIENT_ID_SYSTEM, "value": patient.id},
            {"use": "secondary", "system": PSEUDONYM_SYSTEM, "value": patient.pseudonym},
        ],
        "gender": patient.sex.value,
        "birthDate": patient.birth_year_month,
    }
    if patient.vital_status is VitalStatus.DEAD:
        if patient.date_of_death is not None:
            resource["deceasedDateTime"] = patient.date_of_death.isoformat()
        else:
            resource["deceasedBoolean"] = True
    elif patient.vital_status is VitalStatus.ALIVE:
        resource["deceasedBoolean"] = False
    return resource


def _is_exported(code: DiseaseCode) -> bool:
    return code.system in CODE_SYSTEM_URIS and code.confidence is CodeConfidence.HIGH


def _coding_for(code: DiseaseCode) -> dict[str, str]:
    value = code.code.removeprefix("ORPHA:") if code.system is CodeSystem.ORPHANET else code.code
    return {"system": CODE_SYSTEM_URIS[code.system], "code": value, "display": code.label}


def sps_condition_codings(pack: KnowledgePack) -> list[dict[str, str]]:
    """Codings of stiff person syndrome: the pack's high-confidence ICD-10-CM, Orphanet, SNOMED."""
    return [_coding_for(code) for code in pack.disease_codes if _is_exported(code)]


def condition_resource(patient: Patient, pack: KnowledgePack) -> FhirResource:
    """The SPS Condition: codes from the pack, onset date and date of diagnosis (asserted date)."""
    codings = sps_condition_codings(pack)
    known = {code.code for code in pack.disease_codes}
    if patient.diagnosis_code not in known:
        codings.append({"system": LOCAL_DIAGNOSIS_SYSTEM, "code": patient.diagnosis_code})
    verification = "unconfirmed" if patient.undiagnosed else "confirmed"
    resource: FhirResource = {
        "resourceType": "Condition",
        "id": fhir_id(f"sps-{patient.id}"),
        "clinicalStatus": {"coding": [{"system": _CLINICAL_STATUS, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": _VERIFICATION_STATUS, "code": verification}]},
        "category": [{"coding": [{"system": _CONDITION_CATEGORY, "code": "problem-list-item"}]}],
        "code": {"coding": codings, "text": "Stiff person syndrome"},
        "subject": _reference(patient),
    }
    if patient.onset_date is not None:
        resource["onsetDateTime"] = patient.onset_date.isoformat()
    if patient.diagnosis_date is not None:
        resource["extension"] = [
            {"url": _ASSERTED_DATE, "valueDateTime": patient.diagnosis_date.isoformat()}
        ]
    return resource


def _quantity(value: float, unit: DoseUnit) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": value, "unit": unit.value}
    ucum = _UCUM_UNITS.get(unit)
    if ucum is not None:
        quantity |= {"system": UCUM_SYSTEM, "code": ucum}
    return quantity


def _days(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "d", "system": UCUM_SYSTEM, "code": "d"}


def _dosage(course: MedicationCourse) -> dict[str, Any]:
    dose = _quantity(course.dose.value, course.dose.unit)
    dosage: dict[str, Any] = {"route": {"text": course.route.value}}
    schedule = course.schedule
    if schedule is DosingSchedule.CONTINUOUS:
        dosage["text"] = f"continuous delivery, {course.dose.value:g} {course.dose.unit.value}/day"
        dosage["doseAndRate"] = [{"rateRatio": {"numerator": dose, "denominator": _days(1)}}]
        return dosage
    dosage["doseAndRate"] = [{"doseQuantity": dose}]
    if schedule is DosingSchedule.CYCLIC_COURSE:
        dosage["text"] = (
            f"{course.dose.value:g} {course.dose.unit.value} per course over "
            f"{course.course_days} days, every {course.period_days} days"
        )
        dosage["timing"] = {
            "repeat": {"frequency": 1, "period": course.period_days, "periodUnit": "d"}
        }
        return dosage
    times, days = course.times_per_period, course.period_days
    if schedule is DosingSchedule.AS_NEEDED:
        dosage["asNeededBoolean"] = True
        if times is not None and days is not None:
            dosage["maxDosePerPeriod"] = {
                "numerator": dose | {"value": course.dose.value * times},
                "denominator": _days(days),
            }
    elif times is not None and days is not None:
        dosage["timing"] = {"repeat": {"frequency": times, "period": days, "periodUnit": "d"}}
    return dosage


def _status(course: MedicationCourse) -> str:
    if course.stop_reason is None:
        return "active"
    return "completed" if course.stop_reason in _COMPLETED_REASONS else "stopped"


def medication_statement_resource(
    course: MedicationCourse, patient: Patient, pack: KnowledgePack
) -> FhirResource:
    """One MedicationStatement per medication course: drug, dosage, period and status."""
    drugs = {drug.id: drug for drug in pack.drugs}
    drug = drugs.get(course.drug_id)
    codings: list[dict[str, str]] = []
    if drug is not None and drug.rxnorm is not None:
        codings.append(
            {"system": RXNORM_SYSTEM, "code": drug.rxnorm.rxcui, "display": drug.rxnorm.name}
        )
    local = {"system": LOCAL_DRUG_SYSTEM, "code": course.drug_id}
    if drug is not None:
        local["display"] = drug.name
    codings.append(local)
    period = {"start": course.start_date.isoformat()}
    if course.stop_date is not None:
        period["end"] = course.stop_date.isoformat()
    resource: FhirResource = {
        "resourceType": "MedicationStatement",
        "id": fhir_id(course.id),
        "status": _status(course),
        "category": {"text": course.intent.value},
        "medicationCodeableConcept": {
            "coding": codings,
            "text": drug.name if drug is not None else course.drug_id,
        },
        "subject": _reference(patient),
        "effectivePeriod": period,
        "dosage": [_dosage(course)],
    }
    if course.stop_reason is not None:
        resource["statusReason"] = [{"text": course.stop_reason.value}]
    return resource


def patient_resources(
    record: PatientRecord, pack: KnowledgePack | None = None
) -> list[FhirResource]:
    """All FHIR resources of this slice for one patient record, Patient first."""
    knowledge = pack if pack is not None else load_knowledge_pack()
    patient = record.patient
    resources = [patient_resource(patient), condition_resource(patient, knowledge)]
    resources.extend(
        medication_statement_resource(course, patient, knowledge)
        for course in record.medication_courses
    )
    return resources
