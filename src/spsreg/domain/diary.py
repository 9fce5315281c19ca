"""Patient symptom diary entries (one per patient per day)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from spsreg.domain.base import DomainModel, RecordId, Score0to10

__all__ = ["DiaryDose", "DiaryEntry", "SpasmTrigger"]


class SpasmTrigger(StrEnum):
    NOISE = "noise"
    TOUCH = "touch"
    EMOTIONAL_STRESS = "emotional_stress"
    COLD = "cold"
    OTHER = "other"


class DiaryDose(DomainModel):
    """How many doses of a drug the patient took that day."""

    drug_id: str = Field(min_length=1, max_length=64)
    doses: int = Field(ge=0, le=48)


class DiaryEntry(DomainModel):
    id: RecordId
    entry_date: date
    stiffness: Score0to10 | None = None
    spasm_count: int | None = Field(default=None, ge=0, le=1000)
    falls: int | None = Field(default=None, ge=0, le=100)
    triggers: tuple[SpasmTrigger, ...] = ()
    sedation: Score0to10 | None = None
    doses_taken: tuple[DiaryDose, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> DiaryEntry:
        if len(set(self.triggers)) != len(self.triggers):
            raise ValueError("a trigger is listed twice")
        drugs = [dose.drug_id for dose in self.doses_taken]
        if len(set(drugs)) != len(drugs):
            raise ValueError("a drug is listed twice in doses_taken")
        if (
            self.stiffness is None
            and self.spasm_count is None
            and self.falls is None
            and self.sedation is None
            and not self.triggers
            and not self.doses_taken
        ):
            raise ValueError("an empty diary entry: record at least one symptom, trigger or dose")
        return self
