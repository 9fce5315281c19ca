"""Visits and standardized assessments.

An :class:`Assessment` holds the item responses of one scale module at one visit, with the scale
version it was administered in; the score is computed by the scale's scoring module
(:mod:`spsreg.domain.scales`), never typed in by hand.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, FiniteFloat, model_validator

from spsreg.domain.base import DomainModel, RecordId

__all__ = ["Assessment", "ItemResponse", "Visit", "VisitKind"]


def _refuse_booleans(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a yes/no answer must be coded as a number (e.g. 0 or 1), not true/false")
    return value


ItemId = Annotated[str, Field(min_length=1, max_length=64)]
"""The id of a scale item, e.g. ``lower_trunk``."""

ItemResponse = Annotated[FiniteFloat | int | str | None, BeforeValidator(_refuse_booleans)]
"""A response to one scale item: a number, a coded answer, or None when the item was not answered."""


class VisitKind(StrEnum):
    BASELINE = "baseline"
    ROUTINE = "routine"
    UNSCHEDULED = "unscheduled"
    TELEHEALTH = "telehealth"
    INFUSION = "infusion"


class Assessment(DomainModel):
    id: RecordId
    scale_id: str = Field(min_length=1, max_length=64)
    scale_version: str = Field(min_length=1, max_length=32)
    responses: dict[ItemId, ItemResponse]


class Visit(DomainModel):
    id: RecordId
    visit_date: date
    kind: VisitKind = VisitKind.ROUTINE
    weight_kg: float | None = Field(default=None, gt=0, le=400)
    assessments: tuple[Assessment, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Visit:
        seen: set[str] = set()
        for assessment in self.assessments:
            if assessment.scale_id in seen:
                raise ValueError(f"scale {assessment.scale_id!r} is recorded twice at this visit")
            seen.add(assessment.scale_id)
        return self
