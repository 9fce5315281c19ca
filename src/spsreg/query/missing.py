"""Missing data in words: what left a criterion undetermined, the same text for every engine.

An engine reports a reason code and a few values (a result's date, its method); this module turns
them into the sentence a data manager acts on, such as
"gad65_antibody: no cited cut-off for elisa in IU/mL on csf (result of 2024-03-02)".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from spsreg.query.model import (
    AntibodyCriterion,
    LeafCriterion,
    ScoreCriterion,
    TherapyCriterion,
)
from spsreg.query.verdicts import CriterionResult, Judgement

__all__ = ["Reason", "describe_missing", "leaf_result"]


class Reason:
    """The reason codes engines report with an undetermined verdict."""

    BIRTH_DAY = "birth_day"
    SEX_UNKNOWN = "sex_unknown"
    PHENOTYPE_MISSING = "phenotype_missing"
    NO_RESULT = "no_result"
    EQUIVOCAL = "equivocal"
    NO_CUTOFF = "no_cutoff"
    TITRE_ONLY = "titre_only"
    NO_VALUE = "no_value"
    NO_ASSESSMENT = "no_assessment"
    NOT_COMPUTABLE = "not_computable"
    STOP_REASON_UNKNOWN = "stop_reason_unknown"


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _sentence(leaf: LeafCriterion, reason: str, details: tuple[str, ...]) -> str:
    if reason == Reason.BIRTH_DAY:
        return (
            f"exact date of birth (born {details[0]}: the age in completed years at the "
            "evaluation date depends on the day)"
        )
    if reason == Reason.SEX_UNKNOWN:
        return "sex (recorded as unknown)"
    if reason == Reason.PHENOTYPE_MISSING:
        return "phenotype (not recorded)"
    if isinstance(leaf, AntibodyCriterion):
        name = leaf.analyte
        if reason == Reason.NO_RESULT:
            return f"{name} result (none {details[0]})"
        if reason == Reason.EQUIVOCAL:
            return f"{name}: the most recent result ({details[0]}) is equivocal"
        if reason == Reason.NO_CUTOFF:
            return (
                f"{name}: no cited cut-off for {details[1]} in {details[2]} on {details[3]} "
                f"(result of {details[0]})"
            )
        if reason == Reason.TITRE_ONLY:
            return f"{name}: no cited cut-off for a titre by {details[1]} (result of {details[0]})"
        if reason == Reason.NO_VALUE:
            return f"{name} value (the most recent result, {details[0]}, has none)"
    if isinstance(leaf, ScoreCriterion):
        if reason == Reason.NO_ASSESSMENT:
            return f"{leaf.scale} assessment (none {details[0]})"
        if reason == Reason.NOT_COMPUTABLE:
            return (
                f"{leaf.measure_name} (not computable from the assessment of {details[0]}: "
                f"{details[1]})"
            )
    if isinstance(leaf, TherapyCriterion) and reason == Reason.STOP_REASON_UNKNOWN:
        return f"stop reason of a course of {leaf.therapy_name} (recorded as unknown)"
    raise ValueError(f"no description for reason {reason!r} of a {leaf.kind} criterion")


def describe_missing(leaf: LeafCriterion, judgement: Judgement) -> tuple[str, ...]:
    """The missing data named by an undetermined judgement (nothing for a decided one)."""
    if judgement.reason is None:
        return ()
    details = tuple(_text(value) for value in judgement.details)
    return (_sentence(leaf, judgement.reason, details),)


def leaf_result(key: str, leaf: LeafCriterion, judgement: Judgement) -> CriterionResult:
    """A leaf's result for a patient, its missing data in words."""
    return CriterionResult(key, leaf.kind, judgement.verdict, describe_missing(leaf, judgement))
