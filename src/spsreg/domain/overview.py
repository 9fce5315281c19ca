"""A patient's clinical overview on a given day: what a clinician looks at first.

Derived entirely from the record (pure): latest score of every scale, active medications with
their daily amount, latest antibody results, comorbidities, adverse events and diary coverage,
plus the daily benzodiazepine load in diazepam equivalents where a cited equivalence exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from spsreg.domain.exposure import daily_amount, daily_diazepam_equivalent_mg
from spsreg.domain.labs import LabResult
from spsreg.domain.medications import MedicationCourse
from spsreg.domain.record import PatientRecord
from spsreg.domain.scales import ScaleError, score_assessment
from spsreg.knowledge import KnowledgePack

__all__ = ["ActiveMedication", "LatestScore", "PatientOverview", "patient_overview"]

ANTIBODY_ANALYTES = (
    "gad65_antibody",
    "glyr_antibody",
    "amphiphysin_antibody",
    "dppx_antibody",
    "gabaa_receptor_antibody",
)


@dataclass(frozen=True)
class LatestScore:
    scale_id: str
    assessed_on: date
    total: float | None
    band: str | None
    complete: bool
    subscores: dict[str, float | None]


@dataclass(frozen=True)
class ActiveMedication:
    course_id: str
    drug_id: str
    route: str
    dose: str  # e.g. "10 mg 3 times every 1 day"
    daily_amount: float | None
    daily_unit: str | None
    since: date


@dataclass(frozen=True)
class PatientOverview:
    as_of: date
    latest_scores: tuple[LatestScore, ...]
    active_medications: tuple[ActiveMedication, ...]
    diazepam_equivalent_mg_per_day: float | None
    latest_antibodies: tuple[LabResult, ...]
    comorbidities: tuple[str, ...]
    adverse_events: int
    serious_adverse_events: int
    diary_days_last_28: int
    section_counts: dict[str, int]


def describe_dose(course: MedicationCourse) -> str:
    dose = f"{course.dose.value:g} {course.dose.unit.value}"
    if course.times_per_period is not None and course.period_days is not None:
        every = "day" if course.period_days == 1 else f"{course.period_days} days"
        dose += f" {course.times_per_period}x every {every}"
    elif course.course_days is not None and course.period_days is not None:
        dose += f" over {course.course_days} days every {course.period_days} days"
    elif course.schedule.value == "continuous":
        dose += " per day (continuous)"
    if course.schedule.value == "as_needed":
        dose += " as needed"
    return dose


def patient_overview(record: PatientRecord, as_of: date, pack: KnowledgePack) -> PatientOverview:
    """The overview of ``record`` on ``as_of`` (later data are ignored).

    The latest score of a scale is its latest complete assessment, or the latest one when none
    is complete (then ``complete`` is False and the missing items explain why). Counts (adverse
    events, ``section_counts``) and comorbidities cover what is dated on or before ``as_of``, so
    that the overview of a past day shows that day as it was.
    """
    latest: dict[str, LatestScore] = {}
    for visit in sorted(record.visits, key=lambda v: v.visit_date):
        if visit.visit_date > as_of:
            continue
        for assessment in visit.assessments:
            try:
                score = score_assessment(assessment)
            except ScaleError:
                continue
            previous = latest.get(assessment.scale_id)
            if previous is not None and previous.complete and not score.complete:
                continue  # an incomplete assessment does not hide the last complete score
            latest[assessment.scale_id] = LatestScore(
                assessment.scale_id,
                visit.visit_date,
                score.total,
                score.band,
                score.complete,
                dict(score.subscores),
            )
    active = []
    for course in sorted(record.medication_courses, key=lambda c: (c.drug_id, c.start_date)):
        if not course.is_active_on(as_of):
            continue
        amount = daily_amount(course)
        active.append(
            ActiveMedication(
                course.id,
                course.drug_id,
                course.route.value,
                describe_dose(course),
                None if amount is None else round(amount[0], 3),
                None if amount is None else amount[1].value,
                course.start_date,
            )
        )
    antibodies: dict[str, LabResult] = {}
    for result in sorted(record.lab_results, key=lambda r: r.collected_on):
        if result.analyte in ANTIBODY_ANALYTES and result.collected_on <= as_of:
            antibodies[f"{result.analyte}/{result.specimen.value}/{result.method.value}"] = result
    diary_from = as_of - timedelta(days=27)
    events = [event for event in record.adverse_events if event.onset_date <= as_of]
    return PatientOverview(
        as_of=as_of,
        latest_scores=tuple(latest[key] for key in sorted(latest)),
        active_medications=tuple(active),
        diazepam_equivalent_mg_per_day=daily_diazepam_equivalent_mg(
            record.medication_courses, as_of, pack
        ),
        latest_antibodies=tuple(antibodies[key] for key in sorted(antibodies)),
        comorbidities=tuple(
            sorted(
                c.kind.value
                for c in record.comorbidities
                if c.diagnosed_on is None or c.diagnosed_on <= as_of  # undated: known, keep it
            )
        ),
        adverse_events=len(events),
        serious_adverse_events=sum(event.serious for event in events),
        diary_days_last_28=sum(diary_from <= e.entry_date <= as_of for e in record.diary_entries),
        section_counts={
            "visits": sum(v.visit_date <= as_of for v in record.visits),
            "lab_results": sum(r.collected_on <= as_of for r in record.lab_results),
            "medication_courses": sum(c.start_date <= as_of for c in record.medication_courses),
            "procedures": sum(p.start_date <= as_of for p in record.procedures),
            "adverse_events": len(events),
            "diary_entries": sum(e.entry_date <= as_of for e in record.diary_entries),
        },
    )
