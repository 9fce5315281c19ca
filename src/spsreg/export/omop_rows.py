"""Mapping of one patient record to person, visit, condition, drug and procedure rows.

Every concept id comes from ``omop_concepts.yaml``; where none is confirmed the row carries 0 and
the registry's code in the ``*_source_value`` column (OHDSI's convention for unmapped codes).
Facts without a date (a comorbidity without ``diagnosed_on``) are not written: every CDM event
table requires its start date.
"""

from __future__ import annotations

from datetime import date, timedelta

from spsreg.domain.medications import DosingSchedule, MedicationCourse
from spsreg.domain.patient import Sex
from spsreg.domain.record import PatientRecord
from spsreg.export.omop_context import PatientContext, Row
from spsreg.knowledge.disease_codes import CodeSystem

__all__ = [
    "condition_rows",
    "drug_rows",
    "person_row",
    "procedure_rows",
    "sig_text",
    "visit_rows",
]

_GENDER = {Sex.MALE: "gender_male", Sex.FEMALE: "gender_female"}
PERSON_SOURCE_LENGTH = 50


def person_row(record: PatientRecord, ctx: PatientContext) -> Row:
    """Birth at month precision (day and datetime NULL); race and ethnicity are not recorded (0)."""
    patient = record.patient
    year, month = (int(part) for part in patient.birth_year_month.split("-"))
    gender = _GENDER.get(patient.sex)
    source = patient.id if len(patient.id) <= PERSON_SOURCE_LENGTH else patient.pseudonym
    return {
        "person_id": ctx.person_id,
        "gender_concept_id": ctx.concept(gender) if gender is not None else 0,
        "year_of_birth": year,
        "month_of_birth": month,
        "race_concept_id": 0,
        "ethnicity_concept_id": 0,
        "care_site_id": ctx.care_site_id,
        "person_source_value": source,
        "gender_source_value": patient.sex.value,
    }


def visit_rows(record: PatientRecord, ctx: PatientContext) -> list[Row]:
    """One outpatient visit per registry visit (start = end = visit date); telehealth gets 0."""
    rows: list[Row] = []
    for visit in sorted(record.visits, key=lambda v: v.visit_date):
        key = ctx.key("visit_occurrence")
        ctx.visits_by_date.setdefault(visit.visit_date, key)
        telehealth = visit.kind.value == "telehealth"
        rows.append(
            {
                "visit_occurrence_id": key,
                "person_id": ctx.person_id,
                "visit_concept_id": 0 if telehealth else ctx.concept("visit_outpatient"),
                "visit_start_date": visit.visit_date,
                "visit_end_date": visit.visit_date,
                "visit_type_concept_id": ctx.concept("type_registry"),
                "care_site_id": ctx.care_site_id,
                "visit_source_value": visit.kind.value,
            }
        )
    return rows


def _condition(ctx: PatientContext, start: date, end: date | None, source: str) -> Row:
    return {
        "condition_occurrence_id": ctx.key("condition_occurrence"),
        "person_id": ctx.person_id,
        "condition_concept_id": 0,
        "condition_start_date": start,
        "condition_end_date": end,
        "condition_type_concept_id": ctx.concept("type_registry"),
        "visit_occurrence_id": ctx.visit_on(start),
        "condition_source_value": source,
    }


def sps_source_code(record: PatientRecord, ctx: PatientContext) -> str:
    """The ICD-10-CM SPS code when the record's diagnosis code is one of the pack's SPS codes."""
    pack = ctx.state.pack
    code = record.patient.diagnosis_code
    if pack.disease_code_for(code) is None:
        return code
    icd10cm = [c.code for c in pack.disease_codes if c.system is CodeSystem.ICD10CM]
    return icd10cm[0] if icd10cm else code


def condition_rows(record: PatientRecord, ctx: PatientContext) -> list[Row]:
    """The SPS diagnosis (at diagnosis date, else first contact) and dated comorbidities."""
    patient = record.patient
    rows: list[Row] = []
    start = patient.diagnosis_date or patient.first_contact_date
    if start is not None and not patient.undiagnosed:
        rows.append(_condition(ctx, start, None, sps_source_code(record, ctx)))
    for comorbidity in record.comorbidities:
        if comorbidity.diagnosed_on is not None:
            rows.append(
                _condition(
                    ctx, comorbidity.diagnosed_on, comorbidity.resolved_on, comorbidity.kind.value
                )
            )
    return rows


def _number(value: float) -> str:
    return f"{value:g}"


def sig_text(course: MedicationCourse) -> str:
    """The regimen in words, e.g. '10 mg oral 3 times every 1 day(s)'."""
    dose = f"{_number(course.dose.value)} {course.dose.unit.value} {course.route.value}"
    if course.schedule is DosingSchedule.REGULAR:
        return f"{dose} {course.times_per_period} times every {course.period_days} day(s)"
    if course.schedule is DosingSchedule.AS_NEEDED:
        limit = (
            f", at most {course.times_per_period} times every {course.period_days} day(s)"
            if course.times_per_period is not None and course.period_days is not None
            else ""
        )
        return f"{dose} as needed{limit}"
    if course.schedule is DosingSchedule.CONTINUOUS:
        return f"{dose} per day, continuous"
    return f"{dose} per course over {course.course_days} day(s) every {course.period_days} day(s)"


def _drug_source(drug_id: str, ctx: PatientContext) -> str:
    drug = ctx.state.pack.find_drug(drug_id)
    if drug is not None and drug.rxnorm is not None:
        return drug.rxnorm.rxcui
    return drug_id


def course_end(course: MedicationCourse, last_fact: date) -> date:
    """Last day taken: the day before stop_date (at least the start); ongoing: the last fact."""
    if course.stop_date is None:
        return max(course.start_date, last_fact)
    return max(course.start_date, course.stop_date - timedelta(days=1))


def drug_rows(record: PatientRecord, ctx: PatientContext, last_fact: date) -> list[Row]:
    """One row per medication course (Registry), then one per administration (EHR administration)."""
    rows: list[Row] = []
    courses = {course.id: course for course in record.medication_courses}
    for course in record.medication_courses:
        rows.append(
            {
                "drug_exposure_id": ctx.key("drug_exposure"),
                "person_id": ctx.person_id,
                "drug_concept_id": 0,
                "drug_exposure_start_date": course.start_date,
                "drug_exposure_end_date": course_end(course, last_fact),
                "verbatim_end_date": course.stop_date,
                "drug_type_concept_id": ctx.concept("type_registry"),
                "stop_reason": None if course.stop_reason is None else course.stop_reason.value,
                "quantity": course.dose.value,
                "sig": sig_text(course),
                "route_concept_id": 0,
                "visit_occurrence_id": ctx.visit_on(course.start_date),
                "drug_source_value": _drug_source(course.drug_id, ctx),
                "route_source_value": course.route.value,
                "dose_unit_source_value": course.dose.unit.value,
            }
        )
    for given in record.administrations:
        course = courses[given.course_id]
        rows.append(
            {
                "drug_exposure_id": ctx.key("drug_exposure"),
                "person_id": ctx.person_id,
                "drug_concept_id": 0,
                "drug_exposure_start_date": given.given_on,
                "drug_exposure_end_date": given.given_on,
                "drug_type_concept_id": ctx.concept("type_ehr_administration"),
                "quantity": given.dose.value,
                "route_concept_id": 0,
                "visit_occurrence_id": ctx.visit_on(given.given_on),
                "drug_source_value": _drug_source(course.drug_id, ctx),
                "route_source_value": course.route.value,
                "dose_unit_source_value": given.dose.unit.value,
            }
        )
    return rows


def _procedure(
    ctx: PatientContext, start: date, end: date | None, quantity: int | None, source: str
) -> Row:
    return {
        "procedure_occurrence_id": ctx.key("procedure_occurrence"),
        "person_id": ctx.person_id,
        "procedure_concept_id": 0,
        "procedure_date": start,
        "procedure_end_date": end,
        "procedure_type_concept_id": ctx.concept("type_registry"),
        "quantity": quantity,
        "visit_occurrence_id": ctx.visit_on(start),
        "procedure_source_value": source,
    }


def procedure_rows(record: PatientRecord, ctx: PatientContext) -> list[Row]:
    """Procedures (sessions as quantity), non-drug therapies and intrathecal pump refills."""
    rows = [
        _procedure(ctx, p.start_date, p.end_date, p.sessions, p.kind.value)
        for p in record.procedures
    ]
    rows += [
        _procedure(ctx, t.start_date, t.stop_date, None, t.kind.value)
        for t in record.non_drug_therapies
    ]
    for pump in record.pumps:
        rows += [
            _procedure(ctx, refill.refilled_on, None, 1, "itb_pump_refill")
            for refill in pump.refills
        ]
    return rows
