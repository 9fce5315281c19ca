"""Antibody criteria in SQL: the most recent matching result per patient and its interpretation.

The interpretation is a ``CASE`` built from the same cited cut-offs the reference engine uses
(:func:`spsreg.query.antibody_terms.cutoffs`), one branch per (method, unit, specimen); a result
no branch matches is never judged by another assay's number.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, and_, case, null, select

from spsreg.query.antibody_terms import LabInterpretation, cutoffs
from spsreg.query.missing import Reason
from spsreg.query.model import AntibodyCriterion
from spsreg.query.sql_blocks import FAILED, PASSED, UNDETERMINED, SqlBuildingBlocks, code
from spsreg.query.terms import resolve_window
from spsreg.store.tables import LAB_RESULTS, PATIENTS

__all__ = ["compile_antibody"]

_POSITIVE, _NEGATIVE = "positive", "negative"  # interpretation codes of a result


def compile_antibody(
    blocks: SqlBuildingBlocks, leaf: AntibodyCriterion, as_of: date, scope: Any
) -> Select[Any]:
    """The most recent matching result per patient, interpreted in SQL (see
    :mod:`spsreg.query.antibody_terms`); details: its date, method, unit and specimen."""
    lab = LAB_RESULTS.c
    window = resolve_window(leaf.window, as_of)
    conditions = [
        lab.analyte == leaf.analyte,
        lab.collected_on <= window.last,
        blocks.in_scope(lab.patient_id, scope),
    ]
    if window.first is not None:
        conditions.append(lab.collected_on >= window.first)
    if leaf.specimen is not None:
        conditions.append(lab.specimen == leaf.specimen.value)
    if leaf.value is not None:
        conditions += [lab.method == leaf.value.method.value, lab.unit == leaf.value.unit]
    if leaf.titre is not None:
        conditions += [lab.method == leaf.titre.method.value, lab.titre_denominator.is_not(None)]
    columns = [lab.patient_id, lab.collected_on, lab.method, lab.unit, lab.specimen]
    columns += [lab.value, lab.qualitative, lab.titre_denominator]
    latest = blocks.most_recent(
        columns, conditions, lab.patient_id, [lab.collected_on.desc(), lab.position.desc()]
    )
    joined = PATIENTS.outerjoin(
        latest, and_(latest.c.patient_id == PATIENTS.c.id, latest.c.recency == 1)
    )
    interpretation = _interpretation(blocks, leaf, latest)
    interpreted = (
        select(
            PATIENTS.c.id.label("patient_id"),
            interpretation.label("code"),
            latest.c.collected_on,
            latest.c.method,
            latest.c.unit,
            latest.c.specimen,
        )
        .select_from(joined)
        .where(scope)
        .subquery()
    )
    wanted = _NEGATIVE if leaf.result is LabInterpretation.NEGATIVE else _POSITIVE
    verdict = case(
        (interpreted.c.code == wanted, code(PASSED)),
        (interpreted.c.code.in_([_POSITIVE, _NEGATIVE]), code(FAILED)),
        else_=code(UNDETERMINED),
    )
    reason = case(
        (interpreted.c.code.in_([_POSITIVE, _NEGATIVE]), null()), else_=interpreted.c.code
    )
    return select(
        interpreted.c.patient_id,
        verdict.label("verdict"),
        reason.label("reason"),
        interpreted.c.collected_on,
        interpreted.c.method,
        interpreted.c.unit,
        interpreted.c.specimen,
    )


def _interpretation(
    blocks: SqlBuildingBlocks, leaf: AntibodyCriterion, latest: FromClause
) -> ColumnElement[Any]:
    """``positive``/``negative`` for a judged result, else the reason it cannot be judged."""
    c = latest.c
    none = (c.patient_id.is_(None), code(Reason.NO_RESULT))
    if leaf.value is not None:
        holds = blocks.compare(c.value, leaf.value.comparator, leaf.value.threshold)
        return case(none, (holds, code(_POSITIVE)), else_=code(_NEGATIVE))
    if leaf.titre is not None:
        holds = blocks.compare(c.titre_denominator, leaf.titre.comparator, leaf.titre.denominator)
        return case(none, (holds, code(_POSITIVE)), else_=code(_NEGATIVE))
    assert leaf.result is not None
    judged_by_cutoff: list[tuple[Any, Any]] = []
    for cut in cutoffs(leaf.analyte, leaf.result):
        matches = and_(c.method == cut.method, c.unit == cut.unit, c.specimen == cut.specimen)
        holds = blocks.compare(c.value, cut.comparator, cut.value)
        when_holds, otherwise = (
            (_POSITIVE, _NEGATIVE) if cut.positive_when_holds else (_NEGATIVE, _POSITIVE)
        )
        judged_by_cutoff.append((and_(matches, holds), code(when_holds)))
        judged_by_cutoff.append((matches, code(otherwise)))
    if leaf.result is LabInterpretation.HIGH_TITRE:
        return case(
            none,
            *[(and_(c.value.is_not(None), when), then) for when, then in judged_by_cutoff],
            (c.value.is_not(None), code(Reason.NO_CUTOFF)),
            (c.qualitative == "negative", code(_NEGATIVE)),
            else_=code(Reason.NO_VALUE),
        )
    return case(
        none,
        (c.qualitative == "equivocal", code(Reason.EQUIVOCAL)),
        (c.qualitative == "positive", code(_POSITIVE)),
        (c.qualitative == "negative", code(_NEGATIVE)),
        (c.value.is_(None), code(Reason.TITRE_ONLY)),
        *judged_by_cutoff,
        else_=code(Reason.NO_CUTOFF),
    )
