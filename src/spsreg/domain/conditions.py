"""Comorbidities and genetic markers."""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from spsreg.domain.base import DomainModel, RecordId, require_order
from spsreg.knowledge.vocabulary import ComorbidityKind

__all__ = ["Comorbidity", "ComorbidityKind", "GeneticMarker"]


class Comorbidity(DomainModel):
    id: RecordId
    kind: ComorbidityKind
    detail: str | None = Field(
        default=None, max_length=200, description="e.g. tumour site for cancer"
    )
    diagnosed_on: date | None = None
    resolved_on: date | None = None

    @model_validator(mode="after")
    def _check(self) -> Comorbidity:
        require_order(self.diagnosed_on, self.resolved_on, "diagnosed_on", "resolved_on")
        if self.kind is ComorbidityKind.OTHER and not self.detail:
            raise ValueError("a comorbidity of kind 'other' needs a detail")
        return self


class GeneticMarker(DomainModel):
    """A genotyping result, e.g. HLA typing (system HLA, locus DRB1, allele 03:01)."""

    id: RecordId
    system: str = Field(min_length=1, max_length=32, description="e.g. HLA")
    locus: str = Field(min_length=1, max_length=32, description="e.g. DRB1")
    allele: str = Field(min_length=1, max_length=64, description="e.g. 03:01")
    tested_on: date | None = None
    method: str | None = Field(default=None, min_length=1, max_length=64)
