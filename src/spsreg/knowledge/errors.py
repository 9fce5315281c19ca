"""Errors raised by the knowledge pack.

A pack that fails to load lists every problem it found (file, item id, field, reason) at once, so a
reviewer can fix a whole file in one pass instead of one error per run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "KnowledgePackError",
    "PackProblem",
    "UnknownDrugError",
    "UnknownLabAnalyteError",
    "UnknownPackEntryError",
    "UnknownPhenotypeError",
]


@dataclass(frozen=True)
class PackProblem:
    """One reason a pack file cannot be used."""

    file: str
    item_id: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: item {self.item_id!r}, field {self.field!r}: {self.reason}"


class KnowledgePackError(ValueError):
    """The knowledge pack is not usable; ``problems`` lists everything that is wrong."""

    def __init__(self, problems: Iterable[PackProblem]) -> None:
        self.problems: tuple[PackProblem, ...] = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(
            f"the knowledge pack has {len(self.problems)} problem(s) and was not loaded:\n{lines}"
        )


class UnknownPackEntryError(LookupError):
    """An id was looked up that the pack does not define; the message suggests close matches."""

    kind = "entry"

    def __init__(self, requested: str, suggestions: Sequence[str] = ()) -> None:
        self.requested = requested
        self.suggestions: tuple[str, ...] = tuple(suggestions)
        hint = (
            f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if suggestions else ""
        )
        super().__init__(f"unknown {self.kind} {requested!r} in the knowledge pack{hint}")


class UnknownDrugError(UnknownPackEntryError):
    kind = "drug"


class UnknownLabAnalyteError(UnknownPackEntryError):
    kind = "lab analyte"


class UnknownPhenotypeError(UnknownPackEntryError):
    kind = "phenotype"
