"""Three-valued verdicts and the results engines return.

A criterion is ``passed``, ``failed`` or ``undetermined``; undetermined always names the missing
data that stopped it (e.g. "phenotype not recorded"). ``all``/``any``/``not`` follow Kleene's
strong three-valued logic: a failed child decides ``all`` and a passed child decides ``any``
whatever the others are; otherwise an undetermined child makes the whole undetermined and its
missing data are carried up. ``not`` swaps passed and failed and keeps undetermined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

__all__ = [
    "CohortResult",
    "CriterionResult",
    "Judgement",
    "PatientResult",
    "Verdict",
    "kleene_all",
    "kleene_any",
    "kleene_not",
]


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class Judgement:
    """A leaf's verdict as an engine finds it: ``reason`` (a code) and ``details`` (values the
    message names, such as a result's date and method) say what is missing when undetermined.
    Turned into words by :func:`spsreg.query.missing.describe_missing`, the same for every engine."""

    verdict: Verdict
    reason: str | None = None
    details: tuple[Any, ...] = ()


@dataclass(frozen=True)
class CriterionResult:
    """One criterion's verdict for one patient; ``missing`` is empty unless undetermined."""

    key: str
    kind: str
    verdict: Verdict
    missing: tuple[str, ...] = ()


def _merged_missing(results: Iterable[CriterionResult]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for result in results:
        if result.verdict is Verdict.UNDETERMINED:
            seen.update(dict.fromkeys(result.missing))
    return tuple(seen)


def kleene_all(children: Sequence[CriterionResult]) -> tuple[Verdict, tuple[str, ...]]:
    """Conjunction: failed if any child failed, else undetermined if any is, else passed."""
    verdicts = {child.verdict for child in children}
    if Verdict.FAILED in verdicts:
        return Verdict.FAILED, ()
    if Verdict.UNDETERMINED in verdicts:
        return Verdict.UNDETERMINED, _merged_missing(children)
    return Verdict.PASSED, ()


def kleene_any(children: Sequence[CriterionResult]) -> tuple[Verdict, tuple[str, ...]]:
    """Disjunction: passed if any child passed, else undetermined if any is, else failed."""
    verdicts = {child.verdict for child in children}
    if Verdict.PASSED in verdicts:
        return Verdict.PASSED, ()
    if Verdict.UNDETERMINED in verdicts:
        return Verdict.UNDETERMINED, _merged_missing(children)
    return Verdict.FAILED, ()


def kleene_not(child: CriterionResult) -> tuple[Verdict, tuple[str, ...]]:
    """Negation: passed and failed swap; undetermined stays, with its missing data."""
    if child.verdict is Verdict.PASSED:
        return Verdict.FAILED, ()
    if child.verdict is Verdict.FAILED:
        return Verdict.PASSED, ()
    return Verdict.UNDETERMINED, child.missing


@dataclass(frozen=True)
class PatientResult:
    """Every criterion's verdict for one patient, in document order (the root first)."""

    patient_id: str
    site_id: str
    criteria: Mapping[str, CriterionResult]
    root_key: str

    @property
    def verdict(self) -> Verdict:
        return self.criteria[self.root_key].verdict

    @property
    def missing(self) -> tuple[str, ...]:
        """The missing data that left the whole cohort definition undetermined."""
        return self.criteria[self.root_key].missing

    def leaves_with(self, verdict: Verdict) -> tuple[str, ...]:
        """Keys of the leaf criteria with this verdict, in document order."""
        return tuple(
            key
            for key, result in self.criteria.items()
            if result.verdict is verdict and result.kind not in ("all", "any", "not")
        )


@dataclass(frozen=True)
class CohortResult:
    """What an engine found for every patient it judged, ordered by patient id."""

    as_of: date
    patients: tuple[PatientResult, ...] = field(default_factory=tuple)

    def patient_ids(self, verdict: Verdict = Verdict.PASSED) -> tuple[str, ...]:
        """Ids of the patients whose whole definition has this verdict."""
        return tuple(p.patient_id for p in self.patients if p.verdict is verdict)

    def by_patient(self) -> dict[str, PatientResult]:
        return {p.patient_id: p for p in self.patients}
