"""The reference engine: judges criteria over :class:`~spsreg.domain.record.PatientRecord`
objects in plain Python. Every other engine is tested against it; it is written for clarity,
not speed (the SQL engine is the fast path).

"Most recent" means the latest date, ties broken by the later position in the record (the order
the record lists them in, which the store keeps).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from spsreg.domain.labs import LabResult, QualitativeResult
from spsreg.domain.medications import StopReason
from spsreg.domain.patient import ConsentStatus, Sex
from spsreg.domain.record import PatientRecord
from spsreg.query.antibody_terms import LabInterpretation, cutoffs
from spsreg.query.judging import ScoreCandidate, judge_age, judge_score
from spsreg.query.missing import Reason, leaf_result
from spsreg.query.model import (
    AgeCriterion,
    AntibodyCriterion,
    Cohort,
    ComorbidityCriterion,
    ConsentCriterion,
    LeafCriterion,
    PhenotypeCriterion,
    ScoreCriterion,
    SexCriterion,
    TherapyCriterion,
)
from spsreg.query.terms import resolve_window
from spsreg.query.tree import assemble, criterion_keys
from spsreg.query.verdicts import CohortResult, Judgement, PatientResult, Verdict

__all__ = ["MemoryEngine", "judge_leaf"]

_PASSED = Judgement(Verdict.PASSED)
_FAILED = Judgement(Verdict.FAILED)


def _decided(condition: bool) -> Judgement:
    return _PASSED if condition else _FAILED


class MemoryEngine:
    """Evaluate a cohort over patient records held in memory (the caller chose which)."""

    def evaluate(
        self, cohort: Cohort, records: Iterable[PatientRecord], *, as_of: date | None = None
    ) -> CohortResult:
        day = cohort.evaluation_date(as_of)
        root_key = criterion_keys(cohort.criteria)[0][0]
        results = [
            PatientResult(
                patient_id=record.patient.id,
                site_id=record.patient.site_id,
                criteria=assemble(
                    cohort.criteria,
                    lambda key, leaf, record=record: leaf_result(  # type: ignore[misc]
                        key, leaf, judge_leaf(leaf, record, day)
                    ),
                ),
                root_key=root_key,
            )
            for record in records
        ]
        return CohortResult(as_of=day, patients=tuple(sorted(results, key=lambda p: p.patient_id)))


def judge_leaf(leaf: LeafCriterion, record: PatientRecord, as_of: date) -> Judgement:
    """One leaf criterion judged for one patient at the evaluation date ``as_of``."""
    patient = record.patient
    if isinstance(leaf, AgeCriterion):
        return judge_age(leaf, patient.birth_year_month, as_of)
    if isinstance(leaf, SexCriterion):
        if patient.sex in leaf.any_of:
            return _PASSED
        if patient.sex is Sex.UNKNOWN:
            return Judgement(Verdict.UNDETERMINED, Reason.SEX_UNKNOWN)
        return _FAILED
    if isinstance(leaf, PhenotypeCriterion):
        if patient.phenotype is None:
            return Judgement(Verdict.UNDETERMINED, Reason.PHENOTYPE_MISSING)
        return _decided(patient.phenotype in leaf.any_of)
    if isinstance(leaf, AntibodyCriterion):
        return _judge_antibody(leaf, record, as_of)
    if isinstance(leaf, ComorbidityCriterion):
        return _decided(
            any(
                c.kind is leaf.comorbidity
                and (c.diagnosed_on is None or c.diagnosed_on <= as_of)
                and (not leaf.current or c.resolved_on is None or c.resolved_on > as_of)
                for c in record.comorbidities
            )
        )
    if isinstance(leaf, TherapyCriterion):
        return _judge_therapy(leaf, record, as_of)
    if isinstance(leaf, ScoreCriterion):
        window = resolve_window(leaf.window, as_of)
        candidates = [
            ScoreCandidate(visit.visit_date, position, assessment)
            for position, visit in enumerate(record.visits)
            if window.contains(visit.visit_date)
            for assessment in visit.assessments
            if assessment.scale_id == leaf.scale
        ]
        return judge_score(leaf, window, candidates)
    return _judge_consent(leaf, record, as_of)


def _latest_lab(leaf: AntibodyCriterion, record: PatientRecord, as_of: date) -> LabResult | None:
    window = resolve_window(leaf.window, as_of)
    found: list[tuple[date, int, LabResult]] = []
    for position, result in enumerate(record.lab_results):
        if result.analyte != leaf.analyte or not window.contains(result.collected_on):
            continue
        if leaf.specimen is not None and result.specimen is not leaf.specimen:
            continue
        if leaf.value is not None and (
            result.method is not leaf.value.method or result.unit != leaf.value.unit
        ):
            continue
        if leaf.titre is not None and (
            result.method is not leaf.titre.method or result.titre_denominator is None
        ):
            continue
        found.append((result.collected_on, position, result))
    return max(found, key=lambda item: item[:2])[2] if found else None


def _judge_antibody(leaf: AntibodyCriterion, record: PatientRecord, as_of: date) -> Judgement:
    latest = _latest_lab(leaf, record, as_of)
    if latest is None:
        window = resolve_window(leaf.window, as_of)
        return Judgement(Verdict.UNDETERMINED, Reason.NO_RESULT, (window.describe(),))
    if leaf.value is not None:
        assert latest.value is not None  # a result with a unit has a value
        return _decided(leaf.value.comparator.holds(latest.value, leaf.value.threshold))
    if leaf.titre is not None:
        assert latest.titre_denominator is not None
        return _decided(
            leaf.titre.comparator.holds(latest.titre_denominator, leaf.titre.denominator)
        )
    assert leaf.result is not None
    day = latest.collected_on
    cutoff = next(
        (
            c
            for c in cutoffs(leaf.analyte, leaf.result)
            if (c.method, c.unit, c.specimen)
            == (latest.method.value, latest.unit, latest.specimen.value)
        ),
        None,
    )
    no_cutoff = Judgement(
        Verdict.UNDETERMINED,
        Reason.NO_CUTOFF,
        (day, latest.method.value, latest.unit, latest.specimen.value),
    )
    if leaf.result is LabInterpretation.HIGH_TITRE:
        if latest.value is not None:
            return no_cutoff if cutoff is None else _decided(cutoff.is_positive(latest.value))
        if latest.qualitative is QualitativeResult.NEGATIVE:
            return _FAILED
        return Judgement(Verdict.UNDETERMINED, Reason.NO_VALUE, (day,))
    if latest.qualitative is QualitativeResult.EQUIVOCAL:
        return Judgement(Verdict.UNDETERMINED, Reason.EQUIVOCAL, (day,))
    if latest.qualitative is not None:
        positive = latest.qualitative is QualitativeResult.POSITIVE
    elif latest.value is not None:
        if cutoff is None:
            return no_cutoff
        positive = cutoff.is_positive(latest.value)
    else:
        return Judgement(Verdict.UNDETERMINED, Reason.TITRE_ONLY, (day, latest.method.value))
    return _decided(positive == (leaf.result is LabInterpretation.POSITIVE))


def _judge_therapy(leaf: TherapyCriterion, record: PatientRecord, as_of: date) -> Judgement:
    drugs = set(leaf.drug_ids)
    courses = [c for c in record.medication_courses if c.drug_id in drugs]
    if leaf.current:
        return _decided(any(c.is_active_on(as_of) for c in courses))
    window = resolve_window(leaf.window, as_of)
    if not leaf.stopped_for:
        return _decided(
            any(
                c.start_date <= window.last
                and (c.stop_date is None or window.first is None or c.stop_date > window.first)
                for c in courses
            )
        )
    reasons = [
        c.stop_reason
        for c in courses
        if c.stop_date is not None and c.stop_reason is not None and window.contains(c.stop_date)
    ]
    if any(reason in leaf.stopped_for for reason in reasons):
        return _PASSED
    if StopReason.UNKNOWN in reasons:
        return Judgement(Verdict.UNDETERMINED, Reason.STOP_REASON_UNKNOWN)
    return _FAILED


def _judge_consent(leaf: ConsentCriterion, record: PatientRecord, as_of: date) -> Judgement:
    recorded = [
        (consent.recorded_on, position, consent)
        for position, consent in enumerate(record.consents)
        if consent.kind is leaf.consent and consent.recorded_on <= as_of
    ]
    if not recorded:
        return _FAILED
    latest = max(recorded, key=lambda item: item[:2])[2]
    if latest.status is ConsentStatus.GRANTED:
        return _PASSED
    withdrawn_later = latest.withdrawn_on is not None and latest.withdrawn_on > as_of
    return _decided(latest.status is ConsentStatus.WITHDRAWN and withdrawn_later)
