"""Procedures (plasmapheresis series, stem-cell transplant, CAR-T) and non-drug therapies."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from spsreg.domain.base import DomainModel, RecordId, require_order

__all__ = ["NonDrugTherapy", "NonDrugTherapyKind", "Procedure", "ProcedureKind"]


class ProcedureKind(StrEnum):
    PLASMAPHERESIS = "plasmapheresis"  # therapeutic plasma exchange series
    IMMUNOADSORPTION = "immunoadsorption"
    HSCT = "hsct"  # autologous haematopoietic stem-cell transplant
    CAR_T = "car_t"
    ITB_PUMP_IMPLANT = "itb_pump_implant"
    BOTULINUM_TOXIN_INJECTION = "botulinum_toxin_injection"
    OTHER = "other"


class Procedure(DomainModel):
    """A procedure or a series of sessions (e.g. 5 plasma exchanges over 10 days)."""

    id: RecordId
    kind: ProcedureKind
    start_date: date
    end_date: date | None = None
    sessions: int | None = Field(default=None, ge=1, le=100)
    detail: str | None = Field(
        default=None, max_length=200, description="e.g. CAR-T product, conditioning"
    )

    @model_validator(mode="after")
    def _check(self) -> Procedure:
        require_order(self.start_date, self.end_date, "start_date", "end_date")
        if self.kind is ProcedureKind.OTHER and not self.detail:
            raise ValueError("a procedure of kind 'other' needs a detail")
        return self


class NonDrugTherapyKind(StrEnum):
    PHYSICAL_THERAPY = "physical_therapy"
    PSYCHOLOGICAL_SUPPORT = "psychological_support"
    OCCUPATIONAL_THERAPY = "occupational_therapy"
    HYDROTHERAPY = "hydrotherapy"
    OTHER = "other"


class NonDrugTherapy(DomainModel):
    id: RecordId
    kind: NonDrugTherapyKind
    start_date: date
    stop_date: date | None = None
    sessions_per_month: float | None = Field(default=None, gt=0, le=62)
    detail: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _check(self) -> NonDrugTherapy:
        require_order(self.start_date, self.stop_date, "start_date", "stop_date")
        return self
