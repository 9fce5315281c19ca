"""Compact clinical timelines for the monitoring tests: a small dict in, a PatientRecord out.

The scenario table (monitoring_scenarios.yaml) and the unit tests of each rule kind describe a
patient in a few lines; this module expands that description into a valid domain record (so every
scenario also passes the domain's own checks) and its monitoring timeline. Format::

    patient: {birth: 1970-01, died: 2025-01-01, first_contact: 2024-01-01}
    comorbidities: [type_1_diabetes, {kind: renal_insufficiency, since: 2020-01-01}]
    courses:
      - {drug: diazepam, dose: 10, times: 4, start: 2025-01-01}             # 10 mg 4x/day
      - {drug: diazepam, steps: [{from: 2025-01-01, dose: 10, times: 3},    # a dose-change chain
                                 {from: 2025-03-01, dose: 5, times: 2}], stop: 2025-04-01}
      - {drug: tramadol, dose: 50, times: 4, prn: true, start: ...}           # as needed
      - {drug: baclofen, route: intrathecal, dose: 300, unit: mcg, continuous: true, start: ...}
      - {drug: ivig, route: iv, dose: 2, unit: g/kg, weight: 70, every: 28, course_days: 2, start: ...}
    given: [{drug: ivig, at: 2025-01-01, day: 1}]                           # administrations
    labs: [{analyte: hbsag, at: 2024-12-01}]                                # defaults per analyte
    visits: [{at: 2025-01-01, scales: {stiffness_index: {}, falls_spasm_frequency: {falls: 2}}}]
    pumps: [{implanted: 2025-01-01, reservoir: 20,
             refills: [{at: 2025-01-01, ml: 20, conc: 1000, mcg: 200, alarm: 2025-04-01}]}]
    diary: [{at: 2025-01-01, sedation: 8, falls: 1}]
    diary_days: [{from: 2025-01-01, to: 2025-01-28, falls: 0}]              # one entry per day
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from spsreg.domain import (
    Administration,
    Assessment,
    Comorbidity,
    ComorbidityKind,
    DiaryEntry,
    Dose,
    DoseUnit,
    DosingSchedule,
    IntrathecalPump,
    LabResult,
    MedicationCourse,
    Patient,
    PatientRecord,
    PumpRefill,
    QualitativeResult,
    Route,
    Sex,
    Specimen,
    StopReason,
    TherapyIntent,
    Visit,
    VitalStatus,
)
from spsreg.domain.labs import AssayMethod
from spsreg.domain.scales import scale_definition
from spsreg.monitoring import PatientTimeline, timeline_from_record

__all__ = ["build_record", "build_timeline", "day"]

_LAB_DEFAULTS: dict[str, dict[str, Any]] = {
    "hbsag": {"specimen": Specimen.SERUM, "qualitative": QualitativeResult.NEGATIVE},
    "anti_hbc": {"specimen": Specimen.SERUM, "qualitative": QualitativeResult.NEGATIVE},
    "alt": {"specimen": Specimen.SERUM, "value": 22.0, "unit": "U/L"},
    "ast": {"specimen": Specimen.SERUM, "value": 24.0, "unit": "U/L"},
    "glucose": {"specimen": Specimen.PLASMA, "value": 7.0, "unit": "mmol/L"},
    "creatinine": {"specimen": Specimen.SERUM, "value": 80.0, "unit": "umol/L"},
}
_INTENT = {
    "ivig": TherapyIntent.IMMUNOTHERAPY,
    "rituximab": TherapyIntent.IMMUNOTHERAPY,
    "prednisone": TherapyIntent.IMMUNOTHERAPY,
    "methylprednisolone": TherapyIntent.IMMUNOTHERAPY,
}
_FALLS_SCALE_ITEMS = {"falls": "falls_past_4_weeks", "spasms": "spasms_per_day"}


def day(value: Any) -> date:
    """A date from YAML (already a date) or from an ISO string."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _opt_day(value: Any) -> date | None:
    return None if value is None else day(value)


def _courses(pid: str, items: list[dict[str, Any]]) -> list[MedicationCourse]:
    courses: list[MedicationCourse] = []
    for index, item in enumerate(items):
        steps = item.get("steps") or [{"from": item["start"], **item}]
        previous: str | None = None
        for step_index, step in enumerate(steps):
            merged = {**item, **step}
            start = day(step["from"])
            last = step_index == len(steps) - 1
            stop = _opt_day(item.get("stop")) if last else day(steps[step_index + 1]["from"])
            reason = None
            if stop is not None:
                reason = (
                    StopReason(item.get("reason", "unknown")) if last else StopReason.DOSE_CHANGED
                )
            course_id = f"{pid}-c{index + 1}s{step_index + 1}"
            courses.append(_course(course_id, merged, start, stop, reason, previous))
            previous = course_id
    return courses


def _course(
    course_id: str,
    item: dict[str, Any],
    start: date,
    stop: date | None,
    reason: StopReason | None,
    previous: str | None,
) -> MedicationCourse:
    drug = item["drug"]
    schedule = DosingSchedule.REGULAR
    times, period, course_days = item.get("times"), item.get("period_days", 1), None
    if item.get("prn"):
        schedule = DosingSchedule.AS_NEEDED
    elif item.get("continuous"):
        schedule, times, period = DosingSchedule.CONTINUOUS, None, None
    elif "every" in item:
        schedule, times = DosingSchedule.CYCLIC_COURSE, None
        period, course_days = item["every"], item.get("course_days", 1)
    elif times is None:
        times = 1
    return MedicationCourse(
        id=course_id,
        drug_id=drug,
        route=Route(item.get("route", "oral")),
        intent=_INTENT.get(drug, TherapyIntent.SYMPTOMATIC),
        schedule=schedule,
        dose=Dose(value=float(item["dose"]), unit=DoseUnit(item.get("unit", "mg"))),
        times_per_period=times,
        period_days=period,
        course_days=course_days,
        weight_kg=item.get("weight"),
        start_date=start,
        stop_date=stop,
        stop_reason=reason,
        previous_course_id=previous,
    )


def _administrations(
    pid: str, items: list[dict[str, Any]], courses: list[MedicationCourse]
) -> list[Administration]:
    given: list[Administration] = []
    for index, item in enumerate(items):
        on = day(item["at"])
        course = next(
            c
            for c in courses
            if c.drug_id == item["drug"]
            and c.start_date <= on
            and (c.stop_date is None or on < c.stop_date)
        )
        given.append(
            Administration(
                id=f"{pid}-a{index + 1}",
                course_id=course.id,
                given_on=on,
                dose=course.dose,
                day_of_cycle=item.get("day", 1),
            )
        )
    return given


def _labs(pid: str, items: list[dict[str, Any]]) -> list[LabResult]:
    labs: list[LabResult] = []
    for index, item in enumerate(items):
        defaults = _LAB_DEFAULTS[item["analyte"]]
        value = item.get("value", defaults.get("value"))
        labs.append(
            LabResult(
                id=f"{pid}-l{index + 1}",
                analyte=item["analyte"],
                collected_on=day(item["at"]),
                specimen=defaults["specimen"],
                method=AssayMethod.STANDARD_CHEMISTRY,
                value=value,
                unit=defaults.get("unit") if value is not None else None,
                qualitative=defaults.get("qualitative"),
            )
        )
    return labs


def _visits(pid: str, items: list[dict[str, Any]]) -> list[Visit]:
    visits: list[Visit] = []
    for index, item in enumerate(items):
        assessments = []
        for scale_id, answers in (item.get("scales") or {}).items():
            responses = {
                _FALLS_SCALE_ITEMS.get(key, key): value for key, value in (answers or {}).items()
            }
            if scale_id == "falls_spasm_frequency":
                responses.setdefault("spasms_per_day", 1)
            assessments.append(
                Assessment(
                    id=f"{pid}-v{index + 1}-{scale_id}",
                    scale_id=scale_id,
                    scale_version=scale_definition(scale_id).version,
                    responses=responses,
                )
            )
        visits.append(
            Visit(
                id=f"{pid}-v{index + 1}", visit_date=day(item["at"]), assessments=tuple(assessments)
            )
        )
    return visits


def _pumps(pid: str, items: list[dict[str, Any]]) -> list[IntrathecalPump]:
    pumps: list[IntrathecalPump] = []
    for index, item in enumerate(items):
        refills = tuple(
            PumpRefill(
                id=f"{pid}-pump{index + 1}-r{number + 1}",
                refilled_on=day(refill["at"]),
                volume_ml=refill["ml"],
                concentration_mcg_per_ml=refill["conc"],
                daily_dose_mcg=refill["mcg"],
                alarm_date=_opt_day(refill.get("alarm")),
            )
            for number, refill in enumerate(item.get("refills", []))
        )
        pumps.append(
            IntrathecalPump(
                id=item.get("id", f"{pid}-pump{index + 1}"),
                implanted_on=day(item["implanted"]),
                removed_on=_opt_day(item.get("removed")),
                reservoir_volume_ml=item.get("reservoir", 20),
                refills=refills,
            )
        )
    return pumps


def _diary(pid: str, description: dict[str, Any]) -> list[DiaryEntry]:
    rows: dict[date, dict[str, Any]] = {}
    for run in description.get("diary_days", []):
        current = day(run["from"])
        while current <= day(run["to"]):
            rows[current] = {k: v for k, v in run.items() if k in ("sedation", "falls")}
            current += timedelta(days=1)
    for item in description.get("diary", []):
        rows.setdefault(day(item["at"]), {}).update(
            {k: v for k, v in item.items() if k in ("sedation", "falls")}
        )
    return [
        DiaryEntry(id=f"{pid}-d{index + 1}", entry_date=on, **values)
        for index, (on, values) in enumerate(sorted(rows.items()))
    ]


def _comorbidities(pid: str, items: list[Any]) -> list[Comorbidity]:
    found: list[Comorbidity] = []
    for index, item in enumerate(items):
        spec = item if isinstance(item, dict) else {"kind": item}
        found.append(
            Comorbidity(
                id=f"{pid}-m{index + 1}",
                kind=ComorbidityKind(spec["kind"]),
                detail=spec.get("detail"),
                diagnosed_on=_opt_day(spec.get("since")),
                resolved_on=_opt_day(spec.get("resolved")),
            )
        )
    return found


def build_record(description: dict[str, Any], patient_id: str = "p-test") -> PatientRecord:
    """The domain record a compact description stands for (validated like any record)."""
    patient = description.get("patient") or {}
    died = _opt_day(patient.get("died"))
    courses = _courses(patient_id, description.get("courses", []))
    return PatientRecord(
        patient=Patient(
            id=patient_id,
            pseudonym=("PSN-" + patient_id.upper().replace("_", "-"))[:32],
            site_id=patient.get("site", "SITE-A"),
            sex=Sex(patient.get("sex", "female")),
            birth_year_month=str(patient.get("birth", "1970-01")),
            vital_status=VitalStatus.DEAD if died else VitalStatus.ALIVE,
            date_of_death=died,
            first_contact_date=_opt_day(patient.get("first_contact")),
        ),
        comorbidities=tuple(_comorbidities(patient_id, description.get("comorbidities", []))),
        medication_courses=tuple(courses),
        administrations=tuple(_administrations(patient_id, description.get("given", []), courses)),
        lab_results=tuple(_labs(patient_id, description.get("labs", []))),
        visits=tuple(_visits(patient_id, description.get("visits", []))),
        pumps=tuple(_pumps(patient_id, description.get("pumps", []))),
        diary_entries=tuple(_diary(patient_id, description)),
    )


def build_timeline(description: dict[str, Any], patient_id: str = "p-test") -> PatientTimeline:
    return timeline_from_record(build_record(description, patient_id))
