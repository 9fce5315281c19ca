"""How an antibody criterion judges a result: interpretations and the cited cut-offs behind them.

``positive``/``negative`` use the laboratory's own qualitative result when recorded, else the
knowledge pack's cited cut-off for exactly the result's method, unit and specimen (a
``positive_above`` cut-off, else the upper reference limit: above the reference range is
positive). ``high_titre`` uses the cited ``high_titre_above`` definitions. Results by a method,
unit or specimen with no cited cut-off are never judged by another assay's number: the
criterion is then undetermined. Both engines read the same :func:`cutoffs` list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field

from spsreg.knowledge import load_knowledge_pack
from spsreg.knowledge.labs import ThresholdKind
from spsreg.knowledge.vocabulary import AssayMethod
from spsreg.query.terms import Comparator, QueryModel

__all__ = ["CutOff", "LabInterpretation", "TitreThreshold", "ValueThreshold", "cutoffs"]


class LabInterpretation(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    HIGH_TITRE = "high_titre"


class ValueThreshold(QueryModel):
    """A stated numeric threshold, valid only for results of this method and unit."""

    method: AssayMethod
    unit: str = Field(min_length=1, max_length=32)
    comparator: Comparator
    threshold: float = Field(allow_inf_nan=False)


class TitreThreshold(QueryModel):
    """A stated endpoint-titre threshold (the denominator N of 1:N) for results of one method."""

    method: AssayMethod
    comparator: Comparator
    denominator: int = Field(gt=0)


@dataclass(frozen=True)
class CutOff:
    """One cited cut-off: a result of this method, unit and specimen is positive (or high-titre)
    when ``comparator`` holds against ``value`` and ``positive_when_holds``, or when it does not
    hold and not ``positive_when_holds`` (a reference upper limit)."""

    method: str
    unit: str
    specimen: str
    comparator: Comparator
    value: float
    positive_when_holds: bool
    threshold_id: str

    def is_positive(self, result_value: float) -> bool:
        return self.comparator.holds(result_value, self.value) == self.positive_when_holds


def cutoffs(analyte: str, interpretation: LabInterpretation) -> tuple[CutOff, ...]:
    """The cited cut-offs an interpretation uses, one per (method, unit, specimen), first wins:
    for positivity a ``positive_above`` cut-off before an upper reference limit."""
    kinds: tuple[ThresholdKind, ...]
    if interpretation is LabInterpretation.HIGH_TITRE:
        kinds = (ThresholdKind.HIGH_TITRE_ABOVE,)
    else:
        kinds = (ThresholdKind.POSITIVE_ABOVE, ThresholdKind.REFERENCE_UPPER_LIMIT)
    chosen: dict[tuple[str, str, str], CutOff] = {}
    thresholds = load_knowledge_pack().lab(analyte).thresholds
    for kind in kinds:
        for threshold in thresholds:
            if threshold.kind is not kind:
                continue
            for specimen in threshold.specimens:
                key = (threshold.method.value, threshold.unit, specimen.value)
                chosen.setdefault(
                    key,
                    CutOff(
                        method=key[0],
                        unit=key[1],
                        specimen=key[2],
                        comparator=Comparator(threshold.comparator.value),
                        value=threshold.value,
                        positive_when_holds=kind is not ThresholdKind.REFERENCE_UPPER_LIMIT,
                        threshold_id=threshold.id,
                    ),
                )
    return tuple(chosen.values())
