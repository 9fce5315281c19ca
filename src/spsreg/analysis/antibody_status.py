"""A patient's GAD65 and GlyR antibody status as of a date, method-aware.

GAD65 antibody by RIA (nmol/L) and by ELISA (IU/mL) are different measurements: each result is read
against the cited cut-offs of its own method, unit and specimen (labs.yaml), never converted. The
status comes from the latest serum result on or before the analysis date that can be classified;
"unknown" when there is none.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from spsreg.domain.labs import LabResult, QualitativeResult, Specimen
from spsreg.knowledge.errors import UnknownLabAnalyteError
from spsreg.knowledge.labs import ThresholdKind
from spsreg.knowledge.pack import KnowledgePack

__all__ = [
    "Gad65Status",
    "GlyrStatus",
    "classify_gad65",
    "classify_glyr",
    "gad65_status",
    "glyr_status",
]

Gad65Status = Literal["high_titre", "positive", "negative", "unknown"]
GlyrStatus = Literal["positive", "negative", "unknown"]


def classify_gad65(result: LabResult, pack: KnowledgePack) -> Gad65Status | None:
    """One GAD65 result read against its own method's cited cut-offs; None when not classifiable.

    ``high_titre`` above a high-titre definition of the method, ``positive`` above the positive or
    reference limit, ``negative`` within it. A result with no value is read from its qualitative
    report (positive/negative; equivocal is not classifiable).
    """
    if result.value is not None and result.unit is not None:
        try:
            analyte = pack.lab(result.analyte)
        except UnknownLabAnalyteError:
            return None
        cutoffs = analyte.thresholds_for(result.method, result.unit, result.specimen)
        value = result.value
        for cutoff in cutoffs:
            if cutoff.kind is ThresholdKind.HIGH_TITRE_ABOVE and cutoff.comparator.holds(
                value, cutoff.value
            ):
                return "high_titre"
        verdicts: list[bool] = []
        for cutoff in cutoffs:
            if cutoff.kind is ThresholdKind.POSITIVE_ABOVE:
                verdicts.append(cutoff.comparator.holds(value, cutoff.value))
            elif cutoff.kind is ThresholdKind.REFERENCE_UPPER_LIMIT:
                verdicts.append(not cutoff.comparator.holds(value, cutoff.value))
        if verdicts:
            return "positive" if any(verdicts) else "negative"
    return _qualitative(result)


def _qualitative(result: LabResult) -> Literal["positive", "negative"] | None:
    if result.qualitative is QualitativeResult.POSITIVE:
        return "positive"
    if result.qualitative is QualitativeResult.NEGATIVE:
        return "negative"
    return None


def classify_glyr(result: LabResult) -> Literal["positive", "negative"] | None:
    """A GlyR result: any reported titre or a positive report is positive; None if equivocal."""
    if result.titre_denominator is not None:
        return "positive"
    return _qualitative(result)


def _latest(results: Iterable[LabResult], analyte: str, as_of: date) -> list[LabResult]:
    chosen = [
        r
        for r in results
        if r.analyte == analyte and r.specimen is Specimen.SERUM and r.collected_on <= as_of
    ]
    chosen.sort(key=lambda r: (r.collected_on, r.id), reverse=True)
    return chosen


def gad65_status(results: Iterable[LabResult], as_of: date, pack: KnowledgePack) -> Gad65Status:
    """Status from the latest classifiable serum GAD65 result on or before ``as_of``."""
    for result in _latest(results, "gad65_antibody", as_of):
        status = classify_gad65(result, pack)
        if status is not None:
            return status
    return "unknown"


def glyr_status(results: Iterable[LabResult], as_of: date) -> GlyrStatus:
    """Status from the latest classifiable serum GlyR result on or before ``as_of``."""
    for result in _latest(results, "glyr_antibody", as_of):
        status = classify_glyr(result)
        if status is not None:
            return status
    return "unknown"
