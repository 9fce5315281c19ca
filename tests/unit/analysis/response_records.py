"""Hand-built patient records for the frames, starts and response tests.

Dates are given as day numbers counted from :data:`DAY0` so that windows can be checked by hand
(day 0 is usually the therapy start). The values are test data, not clinical reference values.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from record_examples import pseudonym_for

from spsreg.domain import (
    Administration,
    AdverseEvent,
    AssayMethod,
    Assessment,
    Comorbidity,
    ComorbidityKind,
    DiaryEntry,
    Dose,
    DoseUnit,
    DosingSchedule,
    LabResult,
    MedicationCourse,
    Patient,
    PatientRecord,
    Procedure,
    ProcedureKind,
    QualitativeResult,
    Route,
    Sex,
    Specimen,
    StopReason,
    TherapyIntent,
    Visit,
)

__all__ = [
    "DAY0",
    "REGIONS",
    "administration",
    "adverse_event",
    "at",
    "comorbidity",
    "course",
    "diary",
    "ivig_course",
    "lab",
    "procedure",
    "record",
    "si_visit",
    "stiffness_responses",
    "visit",
]

DAY0 = date(2022, 1, 1)
REGIONS = ("lower_trunk", "upper_trunk", "legs", "arms", "face", "abdomen")


def at(day: int) -> date:
    """The date ``day`` days after DAY0 (negative: before)."""
    return DAY0 + timedelta(days=day)


def stiffness_responses(regions: int) -> dict[str, Any]:
    """Stiffness-index answers with the first ``regions`` regions stiff (total = regions)."""
    return {region: 1 if i < regions else 0 for i, region in enumerate(REGIONS)}


def visit(pid: str, day: int, **scales: dict[str, Any]) -> Visit:
    """A visit on ``day`` with one assessment per scale (scale id -> responses)."""
    return Visit(
        id=f"{pid}-v{day + 10000:05d}",
        visit_date=at(day),
        assessments=tuple(
            Assessment(
                id=f"{pid}-a{day + 10000:05d}-{scale}",
                scale_id=scale,
                scale_version="1",
                responses=responses,
            )
            for scale, responses in scales.items()
        ),
    )


def si_visit(pid: str, day: int, regions: int) -> Visit:
    """A visit whose only assessment is a stiffness index of ``regions``."""
    return visit(pid, day, stiffness_index=stiffness_responses(regions))


def diary(
    pid: str, day: int, stiffness: int | None = None, spasms: int | None = None
) -> DiaryEntry:
    return DiaryEntry(
        id=f"{pid}-d{day + 10000:05d}", entry_date=at(day), stiffness=stiffness, spasm_count=spasms
    )


def course(
    pid: str,
    name: str,
    drug: str,
    start: int,
    *,
    stop: int | None = None,
    reason: StopReason | None = None,
    mg: float = 5.0,
    times: int = 3,
    route: Route = Route.ORAL,
    previous: str | None = None,
) -> MedicationCourse:
    """A regular oral course of ``mg`` ``times`` a day (daily amount mg * times)."""
    return MedicationCourse(
        id=f"{pid}-{name}",
        drug_id=drug,
        route=route,
        intent=TherapyIntent.SYMPTOMATIC,
        schedule=DosingSchedule.REGULAR,
        dose=Dose(value=mg, unit=DoseUnit.MG),
        times_per_period=times,
        period_days=1,
        start_date=at(start),
        stop_date=None if stop is None else at(stop),
        stop_reason=(reason or StopReason.DOSE_CHANGED) if stop is not None else None,
        previous_course_id=None if previous is None else f"{pid}-{previous}",
    )


def ivig_course(pid: str, name: str, start: int, *, stop: int | None = None) -> MedicationCourse:
    """IVIG 2 g/kg every 28 days over 2 days (70 kg)."""
    return MedicationCourse(
        id=f"{pid}-{name}",
        drug_id="ivig",
        route=Route.IV,
        intent=TherapyIntent.IMMUNOTHERAPY,
        schedule=DosingSchedule.CYCLIC_COURSE,
        dose=Dose(value=2.0, unit=DoseUnit.G_PER_KG),
        period_days=28,
        course_days=2,
        weight_kg=70.0,
        start_date=at(start),
        stop_date=None if stop is None else at(stop),
        stop_reason=None if stop is None else StopReason.INEFFECTIVE,
    )


def administration(pid: str, course_name: str, day: int) -> Administration:
    return Administration(
        id=f"{pid}-{course_name}-g{day + 10000:05d}",
        course_id=f"{pid}-{course_name}",
        given_on=at(day),
        dose=Dose(value=70.0, unit=DoseUnit.G),
    )


def procedure(
    pid: str,
    name: str,
    start: int,
    end: int | None = None,
    kind: ProcedureKind = ProcedureKind.PLASMAPHERESIS,
) -> Procedure:
    return Procedure(
        id=f"{pid}-{name}",
        kind=kind,
        start_date=at(start),
        end_date=None if end is None else at(end),
        sessions=5,
    )


def lab(
    pid: str,
    name: str,
    day: int,
    analyte: str = "gad65_antibody",
    *,
    method: AssayMethod = AssayMethod.RIA,
    value: float | None = None,
    unit: str | None = None,
    qualitative: QualitativeResult | None = None,
    titre: int | None = None,
    specimen: Specimen = Specimen.SERUM,
) -> LabResult:
    return LabResult(
        id=f"{pid}-{name}",
        analyte=analyte,
        collected_on=at(day),
        specimen=specimen,
        method=method,
        value=value,
        unit=unit,
        qualitative=qualitative,
        titre_denominator=titre,
    )


def adverse_event(pid: str, name: str, day: int, **fields: Any) -> AdverseEvent:
    return AdverseEvent(
        id=f"{pid}-{name}", term="Somnolence", grade=2, onset_date=at(day), **fields
    )


def comorbidity(kind: ComorbidityKind, pid: str, day: int | None) -> Comorbidity:
    return Comorbidity(
        id=f"{pid}-c-{kind.value}", kind=kind, diagnosed_on=None if day is None else at(day)
    )


def record(pid: str = "p-1", *, first_contact: int = -400, **sections: Any) -> PatientRecord:
    """A patient (female, born 1970-01, first seen on day ``first_contact``) with sections."""
    patient_fields = sections.pop("patient", {})
    return PatientRecord(
        patient=Patient(
            id=pid,
            pseudonym=pseudonym_for(pid),
            site_id="SITE-A",
            sex=Sex.FEMALE,
            birth_year_month="1970-01",
            first_contact_date=at(first_contact),
            **patient_fields,
        ),
        **{name: tuple(items) for name, items in sections.items()},
    )
