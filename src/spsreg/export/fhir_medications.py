"""FHIR resources of drug treatment: medication courses (MedicationStatement) and the doses
given (MedicationAdministration).

A course is one MedicationStatement: the drug (RxNorm where the pack has an rxcui, always the
local drug id), the dosage by schedule, the period, status and stop reason, the dose-change chain
(``partOf`` the previous course) and the body weight of per-kg doses (extension).
"""

from __future__ import annotations

import math
from typing import Any

from spsreg.domain.medications import (
    Administration,
    DosingSchedule,
    MedicationCourse,
    StopReason,
)
from spsreg.domain.patient import Patient
from spsreg.export.fhir_common import (
    LOCAL_DRUG_SYSTEM,
    Ext,
    FhirResource,
    Local,
    Profile,
    days_quantity,
    dose_quantity,
    ext,
    fhir_id,
    is_fhir_code,
    meta,
    order_ext,
    record_identifier,
    reference,
    ucum_quantity,
)
from spsreg.export.fhir_terms import FhirTerms

__all__ = ["administration_resource", "drug_concept", "medication_statement_resource"]

_COMPLETED_REASONS = frozenset({StopReason.COURSE_COMPLETED, StopReason.DOSE_CHANGED})


def drug_concept(drug_id: str, terms: FhirTerms) -> dict[str, Any]:
    """The drug: RxNorm when the pack has an rxcui, always the local drug id (or its text)."""
    codings: list[dict[str, str]] = []
    rxnorm = terms.rxnorm_coding(drug_id)
    if rxnorm is not None:
        codings.append(dict(rxnorm))
    name = terms.drug_names.get(drug_id)
    concept: dict[str, Any] = {}
    if is_fhir_code(drug_id):
        local = {"system": LOCAL_DRUG_SYSTEM, "code": drug_id}
        if name is not None:
            local["display"] = name
        codings.append(local)
        concept["text"] = name if name is not None else drug_id
    else:
        concept["text"] = drug_id
    if codings:
        concept = {"coding": codings} | concept
    return concept


def _dosage(course: MedicationCourse) -> dict[str, Any]:
    dose = dose_quantity(course.dose.value, course.dose.unit)
    schedule = course.schedule
    dosage: dict[str, Any] = {
        "extension": [ext(Ext.DOSING_SCHEDULE, "valueCode", schedule.value)],
        "route": {
            "coding": [{"system": Local.ROUTE, "code": course.route.value}],
            "text": course.route.value,
        },
    }
    if schedule is DosingSchedule.CONTINUOUS:
        dosage["text"] = f"continuous delivery, {course.dose.value:g} {course.dose.unit.value}/day"
        dosage["doseAndRate"] = [
            {"rateRatio": {"numerator": dose, "denominator": days_quantity(1)}}
        ]
        return dosage
    dosage["doseAndRate"] = [{"doseQuantity": dose}]
    times, days = course.times_per_period, course.period_days
    if schedule is DosingSchedule.CYCLIC_COURSE:
        dosage["extension"].append(ext(Ext.COURSE_DAYS, "valueInteger", course.course_days))
        if times is not None:
            dosage["extension"].append(ext(Ext.TIMES_PER_PERIOD, "valueInteger", times))
        dosage["text"] = (
            f"{course.dose.value:g} {course.dose.unit.value} per course over "
            f"{course.course_days} days, every {days} days"
        )
        dosage["timing"] = {"repeat": {"frequency": 1, "period": days, "periodUnit": "d"}}
        return dosage
    repeat: dict[str, Any] = {}
    if times is not None:
        repeat["frequency"] = times
    if days is not None:
        repeat |= {"period": days, "periodUnit": "d"}
    if repeat:
        dosage["timing"] = {"repeat": repeat}
    if schedule is DosingSchedule.AS_NEEDED:
        dosage["asNeededBoolean"] = True
        maximum = course.dose.value * times if times is not None else math.inf
        if days is not None and math.isfinite(maximum):
            dosage["maxDosePerPeriod"] = {
                "numerator": dose | {"value": maximum},
                "denominator": days_quantity(days),
            }
    return dosage


def _status(course: MedicationCourse) -> str:
    if course.stop_reason is None:
        return "active"
    return "completed" if course.stop_reason in _COMPLETED_REASONS else "stopped"


def medication_statement_resource(
    course: MedicationCourse, patient: Patient, position: int, terms: FhirTerms
) -> FhirResource:
    """One MedicationStatement per medication course: drug, dosage, period, status, dose chain."""
    extensions = [order_ext(position)]
    if course.weight_kg is not None:
        extensions.append(
            ext(Ext.BODY_WEIGHT, "valueQuantity", ucum_quantity(course.weight_kg, "kg", "kg"))
        )
    period = {"start": course.start_date.isoformat()}
    if course.stop_date is not None:
        period["end"] = course.stop_date.isoformat()
    resource: FhirResource = {
        "resourceType": "MedicationStatement",
        "id": fhir_id(course.id),
        "meta": meta(Profile.MEDICATION_COURSE),
        "extension": extensions,
        "identifier": [record_identifier(course.id)],
        "status": _status(course),
        "category": {
            "coding": [{"system": Local.THERAPY_INTENT, "code": course.intent.value}],
            "text": course.intent.value,
        },
        "medicationCodeableConcept": drug_concept(course.drug_id, terms),
        "subject": reference("Patient", patient.id),
        "effectivePeriod": period,
        "dosage": [_dosage(course)],
    }
    if course.previous_course_id is not None:
        resource["partOf"] = [reference("MedicationStatement", course.previous_course_id)]
    if course.stop_reason is not None:
        reason = course.stop_reason.value
        resource["statusReason"] = [
            {"coding": [{"system": Local.STOP_REASON, "code": reason}], "text": reason}
        ]
    return resource


def administration_resource(
    given: Administration, drug_id: str, patient: Patient, position: int, terms: FhirTerms
) -> FhirResource:
    """One given dose of a course, linked to the course's MedicationStatement by an extension."""
    extensions = [
        order_ext(position),
        ext(
            Ext.MEDICATION_COURSE,
            "valueReference",
            reference("MedicationStatement", given.course_id),
        ),
    ]
    if given.cycle_number is not None:
        extensions.append(ext(Ext.CYCLE_NUMBER, "valueInteger", given.cycle_number))
    if given.day_of_cycle is not None:
        extensions.append(ext(Ext.DAY_OF_CYCLE, "valueInteger", given.day_of_cycle))
    return {
        "resourceType": "MedicationAdministration",
        "id": fhir_id(given.id),
        "meta": meta(Profile.ADMINISTRATION),
        "extension": extensions,
        "identifier": [record_identifier(given.id)],
        "status": "completed",
        "medicationCodeableConcept": drug_concept(drug_id, terms),
        "subject": reference("Patient", patient.id),
        "effectiveDateTime": given.given_on.isoformat(),
        "dosage": {"dose": dose_quantity(given.dose.value, given.dose.unit)},
    }
