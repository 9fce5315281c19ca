"""The SQL engine: a cohort evaluated inside the database, one statement per leaf criterion.

The patients in scope are read once; each leaf's statement (see :mod:`spsreg.query.sql_compiler`)
then returns its verdict for every one of them, all in one read transaction (one consistent
snapshot). ``all``/``any``/``not`` are combined in Python with the same Kleene logic as the
reference engine, so the per-criterion results of both engines can be compared one to one.
The number of statements depends on the criteria, never on the number of patients.

Site scope is the store's: every statement is limited by :func:`spsreg.store.scope.patient_scope`
for the actor (and :func:`spsreg.store.scope.site_filter` for a requested site).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, select

from spsreg.domain.assessments import Assessment
from spsreg.query.judging import ScoreCandidate, judge_score
from spsreg.query.missing import Reason, leaf_result
from spsreg.query.model import AntibodyCriterion, Cohort, LeafCriterion, ScoreCriterion
from spsreg.query.sql_compiler import SqlCompiler
from spsreg.query.terms import resolve_window
from spsreg.query.tree import assemble, criterion_keys, leaves
from spsreg.query.verdicts import CohortResult, Judgement, PatientResult, Verdict
from spsreg.store.registry import Registry
from spsreg.store.scope import Actor, patient_scope, site_filter
from spsreg.store.tables import PATIENTS
from spsreg.store.transactions import read_transaction

__all__ = ["SqlEngine"]

_Judgements = dict[str, Judgement]


class SqlEngine:
    """Evaluate cohorts in the registry database behind ``engine`` (SQLite or PostgreSQL; another
    dialect through a :class:`SqlCompiler` subclass)."""

    def __init__(self, engine: Engine, compiler: SqlCompiler | None = None) -> None:
        self.engine = engine
        self.compiler = compiler or SqlCompiler()

    @classmethod
    def for_registry(cls, registry: Registry, compiler: SqlCompiler | None = None) -> SqlEngine:
        return cls(registry.engine, compiler)

    def evaluate(
        self,
        cohort: Cohort,
        actor: Actor,
        *,
        as_of: date | None = None,
        site_id: str | None = None,
        patient_ids: Collection[str] | None = None,
    ) -> CohortResult:
        """Every patient in the actor's scope (or of ``site_id``, or only ``patient_ids``) judged
        at the evaluation date; patients outside the scope are simply absent."""
        day = cohort.evaluation_date(as_of)
        scope = self._scope(actor, site_id, patient_ids)
        keyed_leaves = leaves(cohort.criteria)
        with read_transaction(self.engine) as connection:
            patients = connection.execute(
                select(PATIENTS.c.id, PATIENTS.c.site_id).where(scope).order_by(PATIENTS.c.id)
            ).all()
            found: dict[str, _Judgements] = {}
            by_definition: dict[str, _Judgements] = {}
            for key, leaf in keyed_leaves:
                definition = leaf.model_dump_json(exclude={"id", "label"})
                if definition not in by_definition:  # the same criterion twice: one statement
                    by_definition[definition] = self._judge(connection, leaf, day, scope)
                found[key] = by_definition[definition]
        root_key = criterion_keys(cohort.criteria)[0][0]
        results = []
        for patient_id, patient_site in patients:

            def judged(key: str, leaf: LeafCriterion, patient_id: str = patient_id) -> Any:
                return leaf_result(key, leaf, found[key][patient_id])

            results.append(
                PatientResult(
                    patient_id=patient_id,
                    site_id=patient_site,
                    criteria=assemble(cohort.criteria, judged),
                    root_key=root_key,
                )
            )
        ordered = sorted(results, key=lambda result: result.patient_id)
        return CohortResult(as_of=day, patients=tuple(ordered))

    def _scope(
        self, actor: Actor, site_id: str | None, patient_ids: Collection[str] | None
    ) -> ColumnElement[bool]:
        conditions = [patient_scope(actor)]
        site = site_filter(actor, site_id)
        if site is not None:
            conditions.append(PATIENTS.c.site_id == site)
        if patient_ids is not None:
            conditions.append(PATIENTS.c.id.in_(sorted(set(patient_ids))))
        return and_(*conditions)

    def _judge(
        self, connection: Connection, leaf: LeafCriterion, as_of: date, scope: ColumnElement[bool]
    ) -> _Judgements:
        """One statement: the leaf's judgement for every patient in scope."""
        rows = connection.execute(self.compiler.compile(leaf, as_of, scope))
        if isinstance(leaf, ScoreCriterion):
            return _judge_scores(leaf, as_of, rows)
        judgements: _Judgements = {}
        for patient_id, verdict, reason, *details in rows:
            if reason is None:
                judgements[patient_id] = Judgement(Verdict(verdict))
            elif isinstance(leaf, AntibodyCriterion):
                judgements[patient_id] = Judgement(
                    Verdict(verdict), reason, _antibody_details(leaf, as_of, reason, details)
                )
            else:
                judgements[patient_id] = Judgement(Verdict(verdict), reason, tuple(details))
        return judgements


def _antibody_details(
    leaf: AntibodyCriterion, as_of: date, reason: str, details: list[Any]
) -> tuple[Any, ...]:
    """What the message of an undetermined antibody criterion names (as the reference engine)."""
    collected_on, method, unit, specimen = details
    if reason == Reason.NO_RESULT:
        return (resolve_window(leaf.window, as_of).describe(),)
    if reason == Reason.NO_CUTOFF:
        return (collected_on, method, unit, specimen)
    if reason == Reason.TITRE_ONLY:
        return (collected_on, method)
    return (collected_on,)


class _ScoreJudgements(dict[str, Judgement]):
    """Judgements of a score leaf; patients without a candidate assessment get ``default``."""

    def __init__(self, found: dict[str, Judgement], default: Judgement) -> None:
        super().__init__(found)
        self.default = default

    def __missing__(self, patient_id: str) -> Judgement:
        return self.default


def _judge_scores(leaf: ScoreCriterion, as_of: date, rows: Iterable[Any]) -> _Judgements:
    window = resolve_window(leaf.window, as_of)
    candidates: dict[str, list[ScoreCandidate]] = defaultdict(list)
    for patient_id, visit_date, visit_position, assessment_id, version, responses in rows:
        assessment = Assessment(
            id=assessment_id, scale_id=leaf.scale, scale_version=version, responses=responses
        )
        candidates[patient_id].append(ScoreCandidate(visit_date, visit_position, assessment))
    found = {pid: judge_score(leaf, window, found) for pid, found in candidates.items()}
    return _ScoreJudgements(found, judge_score(leaf, window, []))
