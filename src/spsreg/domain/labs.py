"""Antibody and laboratory results over time.

Every numeric value carries its unit and assay method: GAD65 antibody by RIA (nmol/L) and by ELISA
(IU/mL) are different measurements and are never compared or converted into one another.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from spsreg.domain.base import DomainModel, RecordId
from spsreg.knowledge.vocabulary import AssayMethod, Specimen

__all__ = ["AssayMethod", "LabResult", "QualitativeResult", "Specimen"]


class QualitativeResult(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    EQUIVOCAL = "equivocal"


class LabResult(DomainModel):
    """One measured analyte on one specimen at one time.

    ``analyte`` is a knowledge-pack lab id (for example ``gad65_antibody``); the knowledge pack says
    which methods and units are valid for it, and its LOINC code where one has been verified.
    """

    id: RecordId
    analyte: str = Field(min_length=1, max_length=64)
    collected_on: date
    specimen: Specimen
    method: AssayMethod
    value: float | None = Field(default=None, allow_inf_nan=False)
    unit: str | None = Field(default=None, min_length=1, max_length=32)
    qualitative: QualitativeResult | None = None
    titre_denominator: int | None = Field(default=None, gt=0, description="endpoint titre 1:N")
    laboratory: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _check(self) -> LabResult:
        if self.value is None and self.qualitative is None and self.titre_denominator is None:
            raise ValueError("a result needs a value, a titre or a qualitative result")
        if self.value is not None and self.unit is None:
            raise ValueError("a numeric value needs its unit")
        if self.value is None and self.unit is not None:
            raise ValueError("a unit was given without a value")
        return self
