"""The patient page's lines built from the store's plain analysis rows.

Medications now taken (dose with unit, route, frequency, daily amount), adverse events and the
summary of the recent diary, each derived with the domain's own functions (``describe_dose``,
``daily_amount``) from rows of :mod:`spsreg.store.analysis_rows` rather than from a loaded record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from spsreg.domain.exposure import daily_amount
from spsreg.domain.medications import (
    Dose,
    DosingSchedule,
    MedicationCourse,
    Route,
    StopReason,
    TherapyIntent,
)
from spsreg.domain.overview import describe_dose
from spsreg.domain.units import DoseUnit
from spsreg.knowledge.errors import UnknownDrugError
from spsreg.knowledge.pack import KnowledgePack

__all__ = [
    "DIARY_SUMMARY_DAYS",
    "AdverseEventLine",
    "DiarySummary",
    "MedicationLine",
    "adverse_event_lines",
    "course_from_row",
    "diary_summary",
    "diary_window",
    "frequency_of",
    "medication_lines",
]

DIARY_SUMMARY_DAYS = 28
"""How many days back the recent diary summary covers (as ``spsreg patients show``)."""

Row = tuple[Any, ...]


@dataclass(frozen=True)
class MedicationLine:
    """A medication course active on the day shown."""

    course_id: str
    drug_id: str
    drug_name: str
    route: str
    intent: str
    dose_value: float
    dose_unit: str
    frequency: str
    dose: str  # the whole prescription, e.g. "5 mg 3x every day"
    daily_amount: float | None
    daily_unit: str | None
    start_date: date


@dataclass(frozen=True)
class AdverseEventLine:
    event_id: str
    term: str
    grade: int
    onset_date: date
    resolved_date: date | None
    serious: bool


@dataclass(frozen=True)
class DiarySummary:
    """The diary from ``first_day`` to ``last_day``: how many days have an entry, the mean
    stiffness (0-10) and the spasms counted over the days that recorded them, and the last day
    with an entry at all (None when the patient never kept a diary up to the day shown)."""

    first_day: date
    last_day: date
    days_recorded: int
    mean_stiffness: float | None
    spasms_counted: int | None
    latest_entry: date | None


def course_from_row(row: Row) -> MedicationCourse:
    """A medication course from a row of ``COURSE_COLUMNS`` (the stored row was validated when it
    was saved: built without validating again)."""
    (
        _,
        course_id,
        drug_id,
        route,
        intent,
        schedule,
        dose_value,
        dose_unit,
        times_per_period,
        period_days,
        course_days,
        weight_kg,
        start_date,
        stop_date,
        stop_reason,
        previous_course_id,
    ) = row
    return MedicationCourse.model_construct(
        id=course_id,
        drug_id=drug_id,
        route=Route(route),
        intent=TherapyIntent(intent),
        schedule=DosingSchedule(schedule),
        dose=Dose.model_construct(value=dose_value, unit=DoseUnit(dose_unit)),
        times_per_period=times_per_period,
        period_days=period_days,
        course_days=course_days,
        weight_kg=weight_kg,
        start_date=start_date,
        stop_date=stop_date,
        stop_reason=None if stop_reason is None else StopReason(stop_reason),
        previous_course_id=previous_course_id,
    )


def frequency_of(course: MedicationCourse) -> str:
    """How often the dose is given, in words."""
    schedule = course.schedule
    if schedule is DosingSchedule.CONTINUOUS:
        return "continuous, per day"
    if schedule is DosingSchedule.CYCLIC_COURSE:
        return f"a course over {course.course_days} days every {course.period_days} days"
    times, days = course.times_per_period, course.period_days
    every = "day" if days == 1 else f"{days} days"
    regular = f"{times} times every {every}" if times is not None and days is not None else ""
    if schedule is DosingSchedule.AS_NEEDED:
        return f"as needed, at most {regular}" if regular else "as needed"
    return regular or "not recorded"


def _drug_name(drug_id: str, pack: KnowledgePack) -> str:
    try:
        return pack.drug(drug_id).name
    except UnknownDrugError:
        return drug_id


def medication_lines(
    course_rows: Sequence[Row], as_of: date, pack: KnowledgePack
) -> tuple[tuple[MedicationLine, ...], list[MedicationCourse]]:
    """The courses active on ``as_of`` as page lines (by drug, then start), and every course
    started by ``as_of`` (for the benzodiazepine load)."""
    courses = [course_from_row(row) for row in course_rows]
    started = [course for course in courses if course.start_date <= as_of]
    lines = []
    for course in sorted(started, key=lambda c: (c.drug_id, c.start_date, c.id)):
        if not course.is_active_on(as_of):
            continue
        amount = daily_amount(course)
        lines.append(
            MedicationLine(
                course_id=course.id,
                drug_id=course.drug_id,
                drug_name=_drug_name(course.drug_id, pack),
                route=course.route.value,
                intent=course.intent.value,
                dose_value=course.dose.value,
                dose_unit=course.dose.unit.value,
                frequency=frequency_of(course),
                dose=describe_dose(course),
                daily_amount=None if amount is None else round(amount[0], 3),
                daily_unit=None if amount is None else amount[1].value,
                start_date=course.start_date,
            )
        )
    return tuple(lines), started


def adverse_event_lines(rows: Sequence[Row]) -> tuple[AdverseEventLine, ...]:
    """Adverse events (rows of ``ADVERSE_EVENT_COLUMNS``), most recent onset first."""
    lines = [
        AdverseEventLine(event_id, term, grade, onset, resolved, bool(serious))
        for _, event_id, term, grade, onset, resolved, serious, _suspected in rows
    ]
    return tuple(sorted(lines, key=lambda e: (e.onset_date, e.event_id), reverse=True))


def diary_window(as_of: date) -> tuple[date, date]:
    """The first and last day of the recent diary summary on ``as_of``."""
    return as_of - timedelta(days=DIARY_SUMMARY_DAYS - 1), as_of


def diary_summary(
    rows: Sequence[Row], as_of: date, *, latest_entry: date | None = None
) -> DiarySummary:
    """The summary of the last :data:`DIARY_SUMMARY_DAYS` days up to ``as_of`` from diary rows
    (``DIARY_COLUMNS``: patient, day, stiffness, spasm count). ``latest_entry``: the day of the
    latest entry when ``rows`` hold only the summary's window (else it is taken from ``rows``)."""
    first, _ = diary_window(as_of)
    recent = [row for row in rows if first <= row[1] <= as_of]
    stiffness = [row[2] for row in recent if row[2] is not None]
    spasms = [row[3] for row in recent if row[3] is not None]
    return DiarySummary(
        first_day=first,
        last_day=as_of,
        days_recorded=len(recent),
        mean_stiffness=round(sum(stiffness) / len(stiffness), 1) if stiffness else None,
        spasms_counted=sum(spasms) if spasms else None,
        latest_entry=max(
            (day for day in (latest_entry, *(row[1] for row in rows)) if day and day <= as_of),
            default=None,
        ),
    )
