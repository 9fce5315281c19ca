"""SPS spectrum phenotypes with the diagnostic criteria the reference gives, each set cited."""

from __future__ import annotations

from pydantic import Field, model_validator

from spsreg.knowledge.base import PACK_ID_PATTERN, PackFile, PackModel, Unverified
from spsreg.knowledge.citation import Citation
from spsreg.knowledge.vocabulary import Phenotype

__all__ = ["CriteriaSet", "PhenotypeInfo", "PhenotypesFile"]


class CriteriaSet(PackModel):
    """One published or trial-applied set of criteria, quoted as items with its combining rule."""

    id: str = Field(pattern=PACK_ID_PATTERN)
    name: str = Field(min_length=3)
    rule: str = Field(min_length=5, description="how the items combine, e.g. 'all must be met'")
    criteria: tuple[str, ...] = Field(min_length=1)
    citation: Citation


class PhenotypeInfo(PackModel):
    id: Phenotype
    name: str = Field(min_length=1)
    description: str = Field(min_length=10)
    citation: Citation | None = Field(
        default=None, description="source of the name and description"
    )
    criteria_sets: tuple[CriteriaSet, ...] = ()
    unverified: tuple[Unverified, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> PhenotypeInfo:
        if not self.criteria_sets and not self.unverified:
            raise ValueError("no criteria: cite a criteria set or record why under 'unverified'")
        ids = [criteria.id for criteria in self.criteria_sets]
        if len(set(ids)) != len(ids):
            raise ValueError("a criteria-set id is used twice")
        return self


class PhenotypesFile(PackFile):
    phenotypes: tuple[PhenotypeInfo, ...] = Field(min_length=1)
