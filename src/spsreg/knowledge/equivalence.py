"""Benzodiazepine dose equivalence, used to express a patient's benzodiazepine load in diazepam mg.

Published equivalence tables disagree (lorazepam 1 mg vs 2 mg per 10 mg diazepam, depending on the
table), so the pack keeps each cited table whole and names the one in use (``selected_table``). A
site may select another table or none; with none, every equivalence is "not available" and the
domain reports the load as not available rather than guessing.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from spsreg.knowledge.base import PACK_ID_PATTERN, PackFile, PackModel
from spsreg.knowledge.citation import Citation
from spsreg.knowledge.vocabulary import Route

__all__ = ["BenzodiazepineEquivalenceFile", "EquivalenceEntry", "EquivalenceTable"]


class EquivalenceEntry(PackModel):
    """``dose_mg`` of the drug by ``route`` is approximately equivalent to ``diazepam_mg`` oral diazepam."""

    drug_id: str = Field(pattern=PACK_ID_PATTERN)
    route: Route
    dose_mg: float = Field(gt=0, allow_inf_nan=False)
    diazepam_mg: float = Field(gt=0, allow_inf_nan=False)
    citation: Citation

    def to_diazepam_mg(self, dose_mg: float) -> float:
        return dose_mg * self.diazepam_mg / self.dose_mg


class EquivalenceTable(PackModel):
    id: str = Field(pattern=PACK_ID_PATTERN)
    name: str = Field(min_length=5)
    entries: tuple[EquivalenceEntry, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> EquivalenceTable:
        keys = [(entry.drug_id, entry.route) for entry in self.entries]
        if len(set(keys)) != len(keys):
            raise ValueError("a drug and route appear twice in the table")
        return self

    def entry(self, drug_id: str, route: Route) -> EquivalenceEntry | None:
        return next((e for e in self.entries if e.drug_id == drug_id and e.route == route), None)


class BenzodiazepineEquivalenceFile(PackFile):
    caveat: str = Field(min_length=10, description="how the numbers may and may not be used")
    selected_table: str | None = Field(description="the table in use; null: no equivalence")
    tables: tuple[EquivalenceTable, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> BenzodiazepineEquivalenceFile:
        ids = [table.id for table in self.tables]
        if len(set(ids)) != len(ids):
            raise ValueError("a table id is used twice")
        if self.selected_table is not None and self.selected_table not in ids:
            raise ValueError(
                f"selected_table {self.selected_table!r} is not one of the tables ({', '.join(ids)})"
            )
        return self

    @property
    def table(self) -> EquivalenceTable | None:
        """The table in use, or None when no cited equivalence is selected."""
        return next((t for t in self.tables if t.id == self.selected_table), None)
