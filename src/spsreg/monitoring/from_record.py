"""Build a :class:`PatientTimeline` from a :class:`PatientRecord` (the in-memory path).

The drug class of each course comes from the knowledge pack, so a rule about "any
benzodiazepine" covers every drug the pack classes as one; a drug the pack does not know keeps
no class (no class rule applies to it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol

from spsreg.domain.exposure import daily_amount
from spsreg.domain.record import PatientRecord
from spsreg.knowledge.errors import UnknownDrugError
from spsreg.knowledge.pack import KnowledgePack, load_knowledge_pack
from spsreg.monitoring.timeline import (
    AdministrationView,
    AssessmentView,
    ComorbidityView,
    CourseView,
    DiaryDay,
    LabView,
    PatientTimeline,
    PumpView,
    RefillView,
)

__all__ = ["administration_view", "pump_view", "timeline_from_record"]


class _Given(Protocol):
    @property
    def course_id(self) -> str: ...
    @property
    def given_on(self) -> date: ...
    @property
    def day_of_cycle(self) -> int | None: ...


def administration_view(given: _Given, drug_id: str) -> AdministrationView:
    """The timeline's view of one given dose; its cycle starts ``day_of_cycle - 1`` days earlier
    (day 1 when the day is not recorded)."""
    return AdministrationView(
        course_id=given.course_id,
        drug_id=drug_id,
        given_on=given.given_on,
        cycle_start=given.given_on - timedelta(days=(given.day_of_cycle or 1) - 1),
    )


class _Refill(Protocol):
    @property
    def refilled_on(self) -> date: ...
    @property
    def volume_ml(self) -> float: ...
    @property
    def concentration_mcg_per_ml(self) -> float: ...
    @property
    def daily_dose_mcg(self) -> float: ...
    @property
    def alarm_date(self) -> date | None: ...


class _Pump(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def implanted_on(self) -> date: ...
    @property
    def removed_on(self) -> date | None: ...
    @property
    def reservoir_volume_ml(self) -> float: ...
    @property
    def refills(self) -> Sequence[_Refill]: ...


def pump_view(pump: _Pump) -> PumpView:
    """The timeline's view of a pump and its refills (in date order), from a domain pump or from
    database rows with the same fields."""
    return PumpView(
        id=pump.id,
        implanted_on=pump.implanted_on,
        removed_on=pump.removed_on,
        reservoir_volume_ml=pump.reservoir_volume_ml,
        refills=tuple(
            RefillView(
                refilled_on=refill.refilled_on,
                volume_ml=refill.volume_ml,
                concentration_mcg_per_ml=refill.concentration_mcg_per_ml,
                daily_dose_mcg=refill.daily_dose_mcg,
                alarm_date=refill.alarm_date,
            )
            for refill in sorted(pump.refills, key=lambda r: r.refilled_on)
        ),
    )


def timeline_from_record(
    record: PatientRecord, pack: KnowledgePack | None = None
) -> PatientTimeline:
    """The patient's timeline, indexed once, for evaluating the rules at any date."""
    pack = pack if pack is not None else load_knowledge_pack()
    classes: dict[str, str | None] = {}
    courses: list[CourseView] = []
    for course in record.medication_courses:
        if course.drug_id not in classes:
            try:
                classes[course.drug_id] = pack.drug(course.drug_id).drug_class.value
            except UnknownDrugError:
                classes[course.drug_id] = None
        amount = daily_amount(course)
        courses.append(
            CourseView(
                id=course.id,
                drug_id=course.drug_id,
                drug_class=classes[course.drug_id],
                route=course.route,
                schedule=course.schedule,
                start=course.start_date,
                stop=course.stop_date,
                daily_amount=amount[0] if amount is not None else None,
                unit=amount[1] if amount is not None else None,
                period_days=course.period_days,
            )
        )
    drug_of_course = {course.id: course.drug_id for course in record.medication_courses}
    patient = record.patient
    return PatientTimeline.build(
        patient_id=patient.id,
        site_id=patient.site_id,
        birth_year_month=patient.birth_year_month,
        date_of_death=patient.date_of_death,
        first_contact_date=patient.first_contact_date,
        visit_dates=(visit.visit_date for visit in record.visits),
        courses=courses,
        administrations=(
            administration_view(given, drug_of_course[given.course_id])
            for given in record.administrations
        ),
        labs=(
            LabView(
                analyte=lab.analyte,
                collected_on=lab.collected_on,
                value=lab.value,
                unit=lab.unit,
                qualitative=lab.qualitative.value if lab.qualitative is not None else None,
            )
            for lab in record.lab_results
        ),
        assessments=(
            AssessmentView(
                scale_id=assessment.scale_id,
                visit_date=visit.visit_date,
                responses={
                    item: float(value)
                    for item, value in assessment.responses.items()
                    if isinstance(value, int | float)
                },
            )
            for visit in record.visits
            for assessment in visit.assessments
        ),
        pumps=(pump_view(pump) for pump in record.pumps),
        comorbidities=(
            ComorbidityView(c.kind.value, c.diagnosed_on, c.resolved_on)
            for c in record.comorbidities
        ),
        diary=(DiaryDay(e.entry_date, e.sedation, e.falls) for e in record.diary_entries),
    )
