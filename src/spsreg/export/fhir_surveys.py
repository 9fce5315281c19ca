"""FHIR Observations of what the patient reports and is scored on: scale assessments and
symptom diary entries (category survey).

A scale assessment is one Observation coded with the local scale code and the scale version, one
component per item response (in the order recorded), and the total score as ``valueQuantity``
when the scale's scoring module computes one (derived, so the reader does not need it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from spsreg.domain.assessments import Assessment, ItemResponse, Visit
from spsreg.domain.diary import DiaryEntry
from spsreg.domain.patient import Patient
from spsreg.domain.scales import ScaleError, score_assessment
from spsreg.export.fhir_common import (
    LOCAL_DRUG_SYSTEM,
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
)
from spsreg.export.fhir_observations import (
    DATA_ABSENT_REASON,
    DIARY_SCORES,
    INT32,
    observation_category,
)

__all__ = ["assessment_resource", "diary_resource"]


def _response_component(item_id: str, value: ItemResponse) -> dict[str, Any]:
    component: dict[str, Any] = {"code": local_concept(Local.SCALE_ITEM, item_id)}
    if value is None:
        component["dataAbsentReason"] = coded(DATA_ABSENT_REASON, "unknown")
    elif isinstance(value, str):
        if value:
            component["valueString"] = value
        else:
            component["extension"] = [ext(Ext.EMPTY_TEXT, "valueBoolean", True)]
    elif isinstance(value, int) and value in INT32:
        component["valueInteger"] = value
    else:
        component["valueQuantity"] = {"value": value}
    return component


def _total(assessment: Assessment) -> float | None:
    try:
        key = tuple(assessment.responses.items())
        return _scored_total(assessment.scale_id, assessment.scale_version, key)
    except TypeError:  # an unhashable response cannot occur in a valid Assessment; score directly
        return _score(assessment)


@lru_cache(maxsize=16_384)
def _scored_total(
    scale_id: str, version: str, responses: tuple[tuple[str, ItemResponse], ...]
) -> float | None:
    """The total of a scale's responses (cached: the same answers recur across visits)."""
    return _score(
        Assessment(
            id="scoring", scale_id=scale_id, scale_version=version, responses=dict(responses)
        )
    )


def _score(assessment: Assessment) -> float | None:
    try:
        return score_assessment(assessment).total
    except ScaleError:
        return None


def assessment_resource(
    assessment: Assessment, visit: Visit, patient: Patient, position: int
) -> FhirResource:
    """A scale assessment: scale code and version, one component per item response."""
    code = local_concept(Local.SCALE, assessment.scale_id)
    if "coding" in code:
        code["coding"][0]["version"] = assessment.scale_version
    else:
        code["extension"] = [ext(Ext.SCALE_VERSION, "valueString", assessment.scale_version)]
    resource: FhirResource = {
        "resourceType": "Observation",
        "id": fhir_id(assessment.id),
        "meta": meta(Profile.ASSESSMENT),
        "extension": [order_ext(position)],
        "identifier": [record_identifier(assessment.id)],
        "status": "final",
        "category": observation_category("survey"),
        "code": code,
        "subject": reference("Patient", patient.id),
        "encounter": reference("Encounter", visit.id),
        "effectiveDateTime": visit.visit_date.isoformat(),
    }
    total = _total(assessment)
    if total is not None:
        resource["valueQuantity"] = {"value": total}
    if assessment.responses:
        resource["component"] = [
            _response_component(item_id, value) for item_id, value in assessment.responses.items()
        ]
    return resource


def _diary_components(entry: DiaryEntry) -> list[dict[str, Any]]:
    components: list[dict[str, Any]] = []
    for code, field in DIARY_SCORES:
        value = getattr(entry, field)
        if value is not None:
            components.append({"code": coded(Local.DIARY_FIELD, code), "valueInteger": value})
    for trigger in entry.triggers:
        components.append(
            {
                "code": coded(Local.DIARY_FIELD, "trigger"),
                "valueCodeableConcept": coded(Local.SPASM_TRIGGER, trigger.value),
            }
        )
    for dose in entry.doses_taken:
        components.append({"code": _doses_taken_code(dose.drug_id), "valueInteger": dose.doses})
    return components


@lru_cache(maxsize=1024)
def _doses_taken_code(drug_id: str) -> dict[str, Any]:
    """The code of a doses-taken component: the diary field and the drug (local id or text)."""
    drug = local_concept(LOCAL_DRUG_SYSTEM, drug_id)
    code: dict[str, Any] = {"coding": [{"system": Local.DIARY_FIELD, "code": "doses-taken"}]}
    code["coding"].extend(drug.get("coding", ()))
    if "text" in drug:
        code["text"] = drug["text"]
    return code


def diary_resource(entry: DiaryEntry, patient: Patient, position: int) -> FhirResource:
    """A symptom diary day: scores, spasm triggers and doses taken as components."""
    return {
        "resourceType": "Observation",
        "id": fhir_id(entry.id),
        "meta": meta(Profile.DIARY_ENTRY),
        "extension": [order_ext(position)],
        "identifier": [record_identifier(entry.id)],
        "status": "final",
        "category": observation_category("survey"),
        "code": coded(Local.OBSERVATION_KIND, "symptom-diary"),
        "subject": reference("Patient", patient.id),
        "effectiveDateTime": entry.entry_date.isoformat(),
        "component": _diary_components(entry),
    }
