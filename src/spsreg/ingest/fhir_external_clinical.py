"""Mapping Condition, Observation, Procedure and AllergyIntolerance of other systems.

Only what the knowledge pack identifies by a verified code is mapped:

* Condition: a high-confidence SPS code of the pack (ICD-10-CM G25.82, Orphanet 3198) becomes the
  patient's SPS diagnosis (onset, asserted date). Medium-confidence codes (SNOMED CT, WHO ICD-10)
  are not used to diagnose: they are listed for a clinician to confirm. The pack's comorbidity
  kinds carry no verified codes, so every other condition is listed unmapped.
* Observation: a LOINC code of a pack lab analyte with a value in the pack's unit becomes a lab
  result; everything else (vital signs included) is listed unmapped.
* Procedure: the pack has no verified procedure codes, so procedures are listed unmapped.
* AllergyIntolerance: the registry has no allergy section; each is listed unmapped, and one to a
  pack drug says so, for a clinician to see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from spsreg.ingest.fhir_external_codes import (
    ICD10,
    ICD10CM,
    LOINC,
    ORPHANET,
    SNOMED,
    Coding,
    codings,
    describe_concept,
    fhir_date,
)
from spsreg.ingest.fhir_external_medications import NotMapped, find_pack_drug
from spsreg.knowledge import KnowledgePack
from spsreg.knowledge.disease_codes import CodeConfidence, CodeSystem
from spsreg.knowledge.labs import canonical_lab_unit

__all__ = ["SpsDiagnosis", "allergy_reason", "map_lab", "sps_diagnosis"]

_SYSTEMS = {
    ICD10CM: CodeSystem.ICD10CM,
    ICD10: CodeSystem.ICD10,
    ORPHANET: CodeSystem.ORPHANET,
    "http://www.orpha.net/ORDO": CodeSystem.ORPHANET,
    SNOMED: CodeSystem.SNOMED_CT,
}
_ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"


@dataclass(frozen=True)
class SpsDiagnosis:
    code: str
    onset: date | None
    diagnosed: date | None
    partial_onset: str | None = None
    """An onset written as a year or year-month only (not kept: the registry needs a date)."""


def _pack_code(coding: Coding, pack: KnowledgePack) -> tuple[str, CodeConfidence] | None:
    system = _SYSTEMS.get(coding.system)
    if system is None:
        return None
    code = coding.code
    if system is CodeSystem.ORPHANET and not code.upper().startswith("ORPHA:"):
        code = f"ORPHA:{code}"
    entry = pack.disease_code_for(code)
    if entry is None or entry.system is not system:
        return None
    return entry.code, entry.confidence


def _asserted(resource: dict[str, Any]) -> date | None:
    for extension in resource.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == _ASSERTED_DATE:
            return fhir_date(extension.get("valueDateTime"))
    return None


def sps_diagnosis(resource: dict[str, Any], pack: KnowledgePack) -> SpsDiagnosis | str | None:
    """The SPS diagnosis a Condition states; a reason (str) for a code that is SPS but not used;
    None for a condition that is not SPS."""
    status = resource.get("verificationStatus")
    statuses = {c.code for c in codings(status)}
    found = [hit for c in codings(resource.get("code")) if (hit := _pack_code(c, pack))]
    if not found:
        return None
    if statuses & {"refuted", "entered-in-error", "unconfirmed", "provisional", "differential"}:
        return (
            f"an SPS code with verification status {', '.join(sorted(statuses))}: not a diagnosis"
        )
    high = [code for code, confidence in found if confidence is CodeConfidence.HIGH]
    if not high:
        codes = ", ".join(code for code, _ in found)
        return (
            f"SPS code {codes} has only {found[0][1].value} confidence in the knowledge pack: "
            "confirm the diagnosis and record it by hand"
        )
    onset = fhir_date(resource.get("onsetDateTime"))
    period = resource.get("onsetPeriod")
    if onset is None and isinstance(period, dict):
        onset = fhir_date(period.get("start"))
    diagnosed = _asserted(resource) or fhir_date(resource.get("recordedDate"))
    written = resource.get("onsetDateTime")
    partial = written if onset is None and isinstance(written, str) else None
    return SpsDiagnosis(high[0], onset, diagnosed, partial)


def map_lab(resource: dict[str, Any], pack: KnowledgePack) -> dict[str, Any] | str:
    """A lab-result dict (without id) for a pack analyte's LOINC code, or why it is not mapped."""
    loincs = {c.code for c in codings(resource.get("code")) if c.system == LOINC}
    for analyte in pack.labs:
        for entry in analyte.loinc:
            if entry.code not in loincs:
                continue
            quantity = resource.get("valueQuantity")
            if not isinstance(quantity, dict) or not isinstance(quantity.get("value"), int | float):
                return f"LOINC {entry.code} ({analyte.id}) without a numeric valueQuantity"
            unit_text = str(quantity.get("code") or quantity.get("unit") or "")
            unit = canonical_lab_unit(unit_text) if unit_text else None
            if unit != entry.unit:
                return f"LOINC {entry.code} ({analyte.id}) in {unit_text or 'no unit'!r}, not {entry.unit}"
            effective = resource.get("effectivePeriod")
            collected = fhir_date(resource.get("effectiveDateTime")) or (
                fhir_date(effective.get("start")) if isinstance(effective, dict) else None
            )
            if collected is None:
                return f"LOINC {entry.code} ({analyte.id}) without a collection date"
            return {
                "analyte": analyte.id,
                "collected_on": collected,
                "specimen": entry.specimen,
                "method": entry.method,
                "value": float(quantity["value"]),
                "unit": entry.unit,
            }
    return f"{describe_concept(resource.get('code'))}: not a knowledge-pack lab code"


def allergy_reason(resource: dict[str, Any], pack: KnowledgePack) -> str:
    """Why an AllergyIntolerance is listed unmapped (naming a pack drug it concerns)."""
    reason = "the registry has no allergy section"
    try:
        drug, _ = find_pack_drug(resource.get("code"), pack)
    except NotMapped:
        drug = None
    if drug is not None:
        reason += f"; ALLERGY TO PACK DRUG {drug.id}: review before prescribing"
    return reason
