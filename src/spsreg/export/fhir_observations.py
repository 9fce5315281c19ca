"""FHIR resources of what is measured: lab results and genetic markers (Observations), visits
(Encounter) and the body weight measured at a visit (Observation, vital signs).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from spsreg.domain.assessments import Visit, VisitKind
from spsreg.domain.conditions import GeneticMarker
from spsreg.domain.labs import LabResult, QualitativeResult
from spsreg.domain.patient import Patient
from spsreg.export.fhir_common import (
    UCUM_SYSTEM,
    Ext,
    FhirResource,
    Local,
    Profile,
    coded,
    ext,
    fhir_id,
    local_concept,
    meta,
    order_ext,
    record_identifier,
    reference,
    ucum_quantity,
)
from spsreg.export.fhir_terms import LOINC_SYSTEM, FhirTerms

__all__ = [
    "DATA_ABSENT_REASON",
    "INT32",
    "LAB_UCUM_UNITS",
    "OBSERVATION_CATEGORY",
    "QUALITATIVE_CODES",
    "encounter_resource",
    "genetic_marker_resource",
    "lab_resource",
    "observation_category",
    "weight_observation_id",
    "weight_resource",
]

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

QUALITATIVE_CODES: dict[QualitativeResult, str] = {
    QualitativeResult.POSITIVE: "POS",
    QualitativeResult.NEGATIVE: "NEG",
    QualitativeResult.EQUIVOCAL: "IND",
}
"""Qualitative lab result -> v3 ObservationInterpretation (equivocal as indeterminate)."""

LAB_UCUM_UNITS = frozenset({"nmol/L", "mmol/L", "mg/dL", "%", "mmol/mol", "umol/L", "g/L", "U/L"})
"""Lab units whose registry spelling is also their UCUM code; others are exported as text only."""

INT32 = range(-(2**31), 2**31)
"""FHIR ``integer`` is 32-bit: a larger whole number is written as a Quantity value instead."""

DIARY_SCORES = (
    ("stiffness", "stiffness"),
    ("spasm-count", "spasm_count"),
    ("falls", "falls"),
    ("sedation", "sedation"),
)
"""Diary component codes (urn:spsreg:diary-field) and the DiaryEntry fields they carry."""


@lru_cache(maxsize=8)
def observation_category(code: str) -> list[dict[str, Any]]:
    """``Observation.category`` of one observation-category code (shared, read-only)."""
    return [coded(OBSERVATION_CATEGORY, code)]


def lab_resource(lab: LabResult, patient: Patient, position: int, terms: FhirTerms) -> FhirResource:
    """A lab result: LOINC where the pack verifies one for exactly this specimen, method and unit,
    always the local analyte code; value, endpoint titre (component), qualitative interpretation."""
    code = local_concept(Local.LAB_ANALYTE, lab.analyte, terms.lab_names.get(lab.analyte))
    loinc = terms.loinc_code(lab.analyte, lab.specimen, lab.method, lab.unit)
    if loinc is not None:
        code["coding"].insert(0, {"system": LOINC_SYSTEM, "code": loinc})
    resource: FhirResource = {
        "resourceType": "Observation",
        "id": fhir_id(lab.id),
        "meta": meta(Profile.LAB_RESULT),
        "extension": [order_ext(position), ext(Ext.SPECIMEN, "valueCode", lab.specimen.value)],
        "identifier": [record_identifier(lab.id)],
        "status": "final",
        "category": observation_category("laboratory"),
        "code": code,
        "subject": reference("Patient", patient.id),
        "effectiveDateTime": lab.collected_on.isoformat(),
    }
    if lab.laboratory is not None:
        resource["performer"] = [{"display": lab.laboratory}]
    if lab.value is not None and lab.unit is not None:
        quantity: dict[str, Any] = {"value": lab.value, "unit": lab.unit}
        if lab.unit in LAB_UCUM_UNITS:
            quantity |= {"system": UCUM_SYSTEM, "code": lab.unit}
        resource["valueQuantity"] = quantity
    if lab.qualitative is not None:
        resource["interpretation"] = [coded(INTERPRETATION, QUALITATIVE_CODES[lab.qualitative])]
    resource["method"] = coded(Local.ASSAY_METHOD, lab.method.value)
    if lab.titre_denominator is not None:
        resource["component"] = [
            {
                "code": coded(Local.LAB_COMPONENT, "titre"),
                "valueRatio": {
                    "numerator": {"value": 1},
                    "denominator": {"value": lab.titre_denominator},
                },
            }
        ]
    return resource


def _text_component(field: str, value: str) -> dict[str, Any]:
    return {"code": coded(Local.GENETIC_MARKER_FIELD, field), "valueString": value}


def genetic_marker_resource(marker: GeneticMarker, patient: Patient, position: int) -> FhirResource:
    """A genotyping result: system, locus and allele as components, e.g. HLA DRB1 03:01."""
    resource: FhirResource = {
        "resourceType": "Observation",
        "id": fhir_id(marker.id),
        "meta": meta(Profile.GENETIC_MARKER),
        "extension": [order_ext(position)],
        "identifier": [record_identifier(marker.id)],
        "status": "final",
        "category": observation_category("laboratory"),
        "code": coded(Local.OBSERVATION_KIND, "genetic-marker"),
        "subject": reference("Patient", patient.id),
        "component": [
            _text_component("system", marker.system),
            _text_component("locus", marker.locus),
            _text_component("allele", marker.allele),
        ],
    }
    if marker.tested_on is not None:
        resource["effectiveDateTime"] = marker.tested_on.isoformat()
    if marker.method is not None:
        resource["method"] = {"text": marker.method}
    return resource


def encounter_resource(visit: Visit, patient: Patient, position: int) -> FhirResource:
    """A visit: a finished ambulatory (telehealth: virtual) Encounter on the visit date."""
    day = visit.visit_date.isoformat()
    visit_class = "VR" if visit.kind is VisitKind.TELEHEALTH else "AMB"
    return {
        "resourceType": "Encounter",
        "id": fhir_id(visit.id),
        "meta": meta(Profile.VISIT),
        "extension": [order_ext(position)],
        "identifier": [record_identifier(visit.id)],
        "status": "finished",
        "class": {"system": ACT_CODE, "code": visit_class},
        "type": [coded(Local.VISIT_KIND, visit.kind.value)],
        "subject": reference("Patient", patient.id),
        "period": {"start": day, "end": day},
    }


def weight_observation_id(visit: Visit) -> str:
    return fhir_id(f"{visit.id}/weight")


def weight_resource(visit: Visit, weight_kg: float, patient: Patient) -> FhirResource:
    """Body weight measured at a visit (a local code: the pack verifies no LOINC for it)."""
    return {
        "resourceType": "Observation",
        "id": weight_observation_id(visit),
        "meta": meta(Profile.BODY_WEIGHT),
        "status": "final",
        "category": observation_category("vital-signs"),
        "code": {
            "coding": [
                {"system": Local.OBSERVATION_KIND, "code": "body-weight", "display": "Body weight"}
            ]
        },
        "subject": reference("Patient", patient.id),
        "encounter": reference("Encounter", visit.id),
        "effectiveDateTime": visit.visit_date.isoformat(),
        "valueQuantity": ucum_quantity(weight_kg, "kg", "kg"),
    }
