"""Names of the comorbidity kinds the registry records, with the cited SPS association if any.

Frequencies live with the epidemiology data of the synthetic cohort; this file only says what each
kind is and, where a source lists it as associated with SPS, which source.
"""

from __future__ import annotations

from pydantic import Field

from spsreg.knowledge.base import PackFile, PackModel
from spsreg.knowledge.citation import Citation
from spsreg.knowledge.vocabulary import ComorbidityKind

__all__ = ["ComorbiditiesFile", "ComorbidityAssociation", "ComorbidityInfo"]


class ComorbidityAssociation(PackModel):
    summary: str = Field(min_length=10)
    citation: Citation


class ComorbidityInfo(PackModel):
    id: ComorbidityKind
    name: str = Field(min_length=1)
    description: str | None = None
    sps_association: ComorbidityAssociation | None = None


class ComorbiditiesFile(PackFile):
    comorbidities: tuple[ComorbidityInfo, ...] = Field(min_length=1)
