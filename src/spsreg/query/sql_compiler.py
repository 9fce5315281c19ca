"""Leaf criteria compiled to SQLAlchemy Core over the store's tables, one statement per leaf.

Each statement returns one row per patient in scope: ``patient_id``, ``verdict`` (``passed``,
``failed`` or ``undetermined``), ``reason`` (a :class:`~spsreg.query.missing.Reason` code when
undetermined) and the values the missing-data message names. Only portable constructs are used:
joins, ``CASE``, ``GROUP BY``/``MAX``, ``ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...)`` and
comparisons with bound values. Everything calendar-related (windows, age bounds, drug classes,
cited cut-offs) is resolved in Python into bound values first, so a dialect such as Trino or
Spark SQL needs at most a subclass overriding one of the small building blocks below.

Scale scores are derived from item responses by the domain's scoring modules and are not stored:
their statement selects the candidate assessments (scale, window, scope) and the scoring is done
in Python, still one statement per leaf.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, null, or_, select

from spsreg.query.judging import age_bounds
from spsreg.query.missing import Reason
from spsreg.query.model import (
    AgeCriterion,
    AntibodyCriterion,
    ComorbidityCriterion,
    ConsentCriterion,
    LeafCriterion,
    PhenotypeCriterion,
    ScoreCriterion,
    SexCriterion,
    TherapyCriterion,
)
from spsreg.query.sql_antibody import compile_antibody
from spsreg.query.sql_blocks import FAILED, PASSED, UNDETERMINED, SqlBuildingBlocks, code
from spsreg.query.terms import resolve_window
from spsreg.store.tables import (
    ASSESSMENTS,
    COMORBIDITIES,
    CONSENTS,
    MEDICATION_COURSES,
    PATIENTS,
    VISITS,
)

__all__ = ["SqlCompiler"]


class SqlCompiler(SqlBuildingBlocks):
    """Compiles each leaf kind with the building blocks of :class:`SqlBuildingBlocks`; a dialect
    subclass overrides a block or a ``compile_<kind>`` method, never the criteria model."""

    def compile(self, leaf: LeafCriterion, as_of: date, scope: ColumnElement[bool]) -> Select[Any]:
        """The statement judging ``leaf`` for every patient in ``scope`` at ``as_of``: one row
        per patient (``patient_id``, ``verdict``, ``reason``, details), or for a score leaf the
        candidate assessments."""
        method = getattr(self, f"compile_{leaf.kind}")
        statement: Select[Any] = method(leaf, as_of, scope)
        return statement

    # -- leaves ------------------------------------------------------------------------------

    def compile_age(self, leaf: AgeCriterion, as_of: date, scope: Any) -> Select[Any]:
        birth = PATIENTS.c.birth_year_month
        minimum, too_old = age_bounds(leaf, as_of)
        surely: list[Any] = []
        surely_not: list[Any] = []
        if minimum is not None:
            surely.append(birth <= minimum.certain)
            surely_not.append(birth > minimum.possible)
        if too_old is not None:
            surely.append(birth > too_old.possible)
            surely_not.append(birth <= too_old.certain)
        verdict = case(
            (or_(*surely_not), code(FAILED)),
            (and_(*surely), code(PASSED)),
            else_=code(UNDETERMINED),
        )
        return self.judged(
            verdict, self.undetermined_because(verdict, Reason.BIRTH_DAY), birth, scope=scope
        )

    def compile_sex(self, leaf: SexCriterion, as_of: date, scope: Any) -> Select[Any]:
        sex = PATIENTS.c.sex
        verdict = case(
            (sex.in_([s.value for s in leaf.any_of]), code(PASSED)),
            (sex == "unknown", code(UNDETERMINED)),
            else_=code(FAILED),
        )
        return self.judged(
            verdict, self.undetermined_because(verdict, Reason.SEX_UNKNOWN), scope=scope
        )

    def compile_phenotype(self, leaf: PhenotypeCriterion, as_of: date, scope: Any) -> Select[Any]:
        phenotype = PATIENTS.c.phenotype
        verdict = case(
            (phenotype.is_(None), code(UNDETERMINED)),
            (phenotype.in_([p.value for p in leaf.any_of]), code(PASSED)),
            else_=code(FAILED),
        )
        reason = self.undetermined_because(verdict, Reason.PHENOTYPE_MISSING)
        return self.judged(verdict, reason, scope=scope)

    def compile_comorbidity(
        self, leaf: ComorbidityCriterion, as_of: date, scope: Any
    ) -> Select[Any]:
        row = COMORBIDITIES.c
        conditions = [
            row.kind == leaf.comorbidity.value,
            or_(row.diagnosed_on.is_(None), row.diagnosed_on <= as_of),
        ]
        if leaf.current:
            conditions.append(or_(row.resolved_on.is_(None), row.resolved_on > as_of))
        return self.any_row(COMORBIDITIES, conditions, scope)

    def compile_therapy(self, leaf: TherapyCriterion, as_of: date, scope: Any) -> Select[Any]:
        course = MEDICATION_COURSES.c
        drugs = course.drug_id.in_(list(leaf.drug_ids))
        if leaf.current:
            active = [
                course.start_date <= as_of,
                or_(course.stop_date.is_(None), course.stop_date > as_of),
            ]
            return self.any_row(MEDICATION_COURSES, [drugs, *active], scope)
        window = resolve_window(leaf.window, as_of)
        if not leaf.stopped_for:
            overlaps = [drugs, course.start_date <= window.last]
            if window.first is not None:
                overlaps.append(or_(course.stop_date.is_(None), course.stop_date > window.first))
            return self.any_row(MEDICATION_COURSES, overlaps, scope)
        stopped = [drugs, course.stop_date.is_not(None), course.stop_date <= window.last]
        if window.first is not None:
            stopped.append(course.stop_date >= window.first)
        flags = (
            select(
                course.patient_id,
                func.max(
                    case((course.stop_reason.in_([r.value for r in leaf.stopped_for]), 1), else_=0)
                ).label("for_reason"),
                func.max(case((course.stop_reason == "unknown", 1), else_=0)).label("unknown"),
            )
            .where(*stopped, self.in_scope(course.patient_id, scope))
            .group_by(course.patient_id)
            .subquery()
        )
        verdict = case(
            (flags.c.for_reason == 1, code(PASSED)),
            (flags.c.unknown == 1, code(UNDETERMINED)),
            else_=code(FAILED),
        )
        joined = PATIENTS.outerjoin(flags, flags.c.patient_id == PATIENTS.c.id)
        reason = self.undetermined_because(verdict, Reason.STOP_REASON_UNKNOWN)
        return self.judged(verdict, reason, joined=joined, scope=scope)

    def compile_consent(self, leaf: ConsentCriterion, as_of: date, scope: Any) -> Select[Any]:
        consent = CONSENTS.c
        latest = self.most_recent(
            [consent.patient_id, consent.status, consent.withdrawn_on],
            [
                consent.kind == leaf.consent.value,
                consent.recorded_on <= as_of,
                self.in_scope(consent.patient_id, scope),
            ],
            consent.patient_id,
            [consent.recorded_on.desc(), consent.position.desc()],
        )
        verdict = case(
            (latest.c.status == "granted", code(PASSED)),
            (and_(latest.c.status == "withdrawn", latest.c.withdrawn_on > as_of), code(PASSED)),
            else_=code(FAILED),
        )
        joined = PATIENTS.outerjoin(
            latest, and_(latest.c.patient_id == PATIENTS.c.id, latest.c.recency == 1)
        )
        return self.judged(verdict, null(), joined=joined, scope=scope)

    def compile_score(self, leaf: ScoreCriterion, as_of: date, scope: Any) -> Select[Any]:
        """Candidate assessments (not one row per patient): scored in Python by the engine."""
        assessment, visit = ASSESSMENTS.c, VISITS.c
        window = resolve_window(leaf.window, as_of)
        conditions = [
            assessment.scale_id == leaf.scale,
            visit.visit_date <= window.last,
            self.in_scope(assessment.patient_id, scope),
        ]
        if window.first is not None:
            conditions.append(visit.visit_date >= window.first)
        return (
            select(
                assessment.patient_id,
                visit.visit_date,
                visit.position,
                assessment.id,
                assessment.scale_version,
                assessment.responses,
            )
            .join_from(ASSESSMENTS, VISITS, assessment.visit_id == visit.id)
            .where(*conditions)
        )

    def compile_antibody(self, leaf: AntibodyCriterion, as_of: date, scope: Any) -> Select[Any]:
        return compile_antibody(self, leaf, as_of, scope)
