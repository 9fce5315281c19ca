"""Codes for stiff person syndrome in the terminologies registries and claims data use.

Besides the codes themselves the pack keeps *known confusions*: codes that public material has
mixed up with SPS (ICD-10-CM G25.81 is restless legs syndrome), so validation can name the mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from pydantic import Field, model_validator

from spsreg.knowledge.base import PackFile, PackModel
from spsreg.knowledge.citation import Citation
from spsreg.knowledge.code_checks import (
    is_valid_icd9cm,
    is_valid_icd10,
    is_valid_icd10cm,
    is_valid_orphacode,
    is_valid_snomed_concept_id,
)

__all__ = ["CodeConfidence", "CodeSystem", "DiseaseCode", "DiseaseCodesFile", "KnownConfusion"]


class CodeSystem(StrEnum):
    ICD10CM = "icd10cm"
    ICD9CM = "icd9cm"
    ICD10 = "icd10"  # WHO ICD-10
    ORPHANET = "orphanet"
    SNOMED_CT = "snomed_ct"


_FORMAT_CHECKS: dict[CodeSystem, Callable[[str], bool]] = {
    CodeSystem.ICD10CM: is_valid_icd10cm,
    CodeSystem.ICD9CM: is_valid_icd9cm,
    CodeSystem.ICD10: is_valid_icd10,
    CodeSystem.ORPHANET: is_valid_orphacode,
    CodeSystem.SNOMED_CT: is_valid_snomed_concept_id,
}


def _check_format(system: CodeSystem, code: str) -> None:
    if not _FORMAT_CHECKS[system](code):
        raise ValueError(f"{code!r} is not a well-formed {system.value} code")


class CodeConfidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class DiseaseCode(PackModel):
    system: CodeSystem
    code: str
    label: str = Field(min_length=3, description="the label in the cited source")
    confidence: CodeConfidence
    single_source: bool = Field(
        description="only one stored source confirms it: check before release"
    )
    note: str | None = None
    citation: Citation

    @model_validator(mode="after")
    def _check(self) -> DiseaseCode:
        _check_format(self.system, self.code)
        return self


class KnownConfusion(PackModel):
    """A code that is *not* SPS but has been published as if it were."""

    system: CodeSystem
    code: str
    actually_means: str = Field(min_length=3)
    correct_code: str
    citation: Citation

    @model_validator(mode="after")
    def _check(self) -> KnownConfusion:
        _check_format(self.system, self.code)
        _check_format(self.system, self.correct_code)
        return self


class DiseaseCodesFile(PackFile):
    disease: str = Field(min_length=3)
    codes: tuple[DiseaseCode, ...] = Field(min_length=1)
    known_confusions: tuple[KnownConfusion, ...] = ()
