"""Shared state of one OMOP export: integer key assignment and the concepts in use.

OMOP keys are integers. They are assigned sequentially in export order, per table, starting at 1,
so the same records exported in the same order get the same keys; no file maps them back to
registry ids (in a de-identified export such a map would re-identify). The registry patient id
goes to ``person.person_source_value`` instead (already keyed in a de-identified export).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from spsreg.knowledge.omop_concepts import OmopConcepts
from spsreg.knowledge.pack import KnowledgePack

__all__ = ["ExportState", "PatientContext", "Row"]

Row = dict[str, Any]
"""One output row by column name; absent columns are NULL."""


@dataclass
class ExportState:
    """Key counters for the whole export plus the knowledge the rows are mapped with."""

    pack: KnowledgePack
    concepts: OmopConcepts
    care_site_ids: dict[str, int]
    _last_key: Counter[str] = field(default_factory=Counter)

    def next_key(self, table: str) -> int:
        self._last_key[table] += 1
        return self._last_key[table]


@dataclass
class PatientContext:
    """One patient's person_id, care site and visits by date, while their rows are built."""

    state: ExportState
    person_id: int
    care_site_id: int | None
    visits_by_date: dict[date, int] = field(default_factory=dict)

    def key(self, table: str) -> int:
        return self.state.next_key(table)

    def concept(self, name: str) -> int:
        return self.state.concepts.concept_id(name)

    def visit_on(self, day: date) -> int | None:
        """The visit_occurrence_id of the patient's visit on ``day``, if there was one."""
        return self.visits_by_date.get(day)
