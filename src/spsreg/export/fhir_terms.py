"""Knowledge-pack lookups of the FHIR export, built once per pack.

The export maps thousands of resources a second, so the pack's codes are read into plain
dictionaries once (per pack object) instead of searched for every resource. Only codes the pack
holds are used: RxNorm where a drug has an rxcui, LOINC where a lab analyte has one verified for
exactly the specimen, method and unit of the result, and the SPS disease codes the pack gives
confidence ``high``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from spsreg.export.fhir_common import RXNORM_SYSTEM
from spsreg.knowledge.disease_codes import CodeConfidence, CodeSystem, DiseaseCode
from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.vocabulary import AssayMethod, Specimen

__all__ = ["CODE_SYSTEM_URIS", "LOINC_SYSTEM", "FhirTerms", "fhir_terms", "sps_condition_codings"]

LOINC_SYSTEM = "http://loinc.org"

CODE_SYSTEM_URIS: dict[CodeSystem, str] = {
    CodeSystem.ICD10CM: "http://hl7.org/fhir/sid/icd-10-cm",
    CodeSystem.ORPHANET: "http://www.orpha.net",
    CodeSystem.SNOMED_CT: "http://snomed.info/sct",
}
"""FHIR system URIs of the disease-code systems that the SPS Condition may carry."""

LoincKey = tuple[str, Specimen, AssayMethod, str | None]


def _is_exported(code: DiseaseCode) -> bool:
    return code.system in CODE_SYSTEM_URIS and code.confidence is CodeConfidence.HIGH


def _coding_for(code: DiseaseCode) -> dict[str, str]:
    value = code.code.removeprefix("ORPHA:") if code.system is CodeSystem.ORPHANET else code.code
    return {"system": CODE_SYSTEM_URIS[code.system], "code": value, "display": code.label}


def sps_condition_codings(pack: KnowledgePack) -> list[dict[str, str]]:
    """Codings of stiff person syndrome: the pack's high-confidence ICD-10-CM, Orphanet, SNOMED."""
    return [_coding_for(code) for code in pack.disease_codes if _is_exported(code)]


@dataclass(frozen=True)
class FhirTerms:
    """The pack's codes and names the export needs, as dictionaries."""

    sps_codings: tuple[dict[str, str], ...]
    drug_names: dict[str, str]
    rxnorm: dict[str, dict[str, str]]
    lab_names: dict[str, str]
    loinc: dict[LoincKey, str]
    comorbidity_names: dict[str, str]

    def rxnorm_coding(self, drug_id: str) -> dict[str, str] | None:
        return self.rxnorm.get(drug_id)

    def loinc_code(
        self, analyte: str, specimen: Specimen, method: AssayMethod, unit: str | None
    ) -> str | None:
        return self.loinc.get((analyte, specimen, method, unit))


@lru_cache(maxsize=8)
def fhir_terms(pack: KnowledgePack) -> FhirTerms:
    """The lookups of one pack (cached: a pack is immutable once loaded)."""
    return FhirTerms(
        sps_codings=tuple(sps_condition_codings(pack)),
        drug_names={drug.id: drug.name for drug in pack.drugs},
        rxnorm={
            drug.id: {
                "system": RXNORM_SYSTEM,
                "code": drug.rxnorm.rxcui,
                "display": drug.rxnorm.name,
            }
            for drug in pack.drugs
            if drug.rxnorm is not None
        },
        lab_names={lab.id: lab.name for lab in pack.labs},
        loinc={
            (lab.id, code.specimen, code.method, code.unit): code.code
            for lab in pack.labs
            for code in lab.loinc
        },
        comorbidity_names={str(info.id.value): info.name for info in pack.comorbidities},
    )
