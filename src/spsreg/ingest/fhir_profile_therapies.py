"""Reading back the treatment resources spsreg wrote: MedicationStatements (courses),
MedicationAdministrations, pump Devices and refill Procedures, Procedures, non-drug therapies
and AdverseEvents."""

from __future__ import annotations

from typing import Any

from spsreg.domain.adverse_events import AdverseEventAction
from spsreg.domain.medications import DosingSchedule, Route, StopReason, TherapyIntent
from spsreg.domain.therapies import NonDrugTherapyKind, ProcedureKind
from spsreg.domain.units import DoseUnit
from spsreg.export.fhir_common import LOCAL_DRUG_SYSTEM, RXNORM_SYSTEM, Ext, Local
from spsreg.export.fhir_therapies import AE_OUTCOMES
from spsreg.ingest.fhir_profile_element import Element
from spsreg.ingest.fhir_profile_parts import (
    Part,
    Ref,
    check_subject,
    ext_path,
    read_order,
    read_record_id,
)
from spsreg.ingest.fhir_profile_patient import read_detail

__all__ = [
    "read_administration",
    "read_adverse_event",
    "read_medication_course",
    "read_non_drug_therapy",
    "read_procedure",
    "read_pump",
    "read_pump_refill",
]

_OUTCOMES = {code: outcome for outcome, code in AE_OUTCOMES.items()}
_AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
_AE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"


def _start(section: str, element: Element, patient_fid: str, subject: str = "subject") -> Part:
    part = Part(section, element, str(element.data.get("id", "")))
    check_subject(element, subject, patient_fid)
    part.order = read_order(element)
    part.set("id", read_record_id(element), "identifier")
    element.skip("status")
    return part


def _dose(quantity: Element) -> dict[str, Any]:
    quantity.skip("system", "code")
    value = quantity.number("value")
    unit = quantity.enum(DoseUnit, "unit", quantity.take("unit"))
    return {"value": value, "unit": unit}


def _read_dosage(dosage: Element, part: Part) -> None:
    schedule_code = dosage.extension(Ext.DOSING_SCHEDULE, "valueCode")
    schedule = dosage.enum(DosingSchedule, ext_path(Ext.DOSING_SCHEDULE), schedule_code)
    part.set("schedule", schedule, dosage.where(ext_path(Ext.DOSING_SCHEDULE)))
    part.set(
        "route", dosage.required_child("route").code_enum(Route, Local.ROUTE), dosage.where("route")
    )
    dosage.skip("text", "asNeededBoolean", "maxDosePerPeriod")
    rate = dosage.single("doseAndRate")
    if schedule is DosingSchedule.CONTINUOUS:
        ratio = rate.required_child("rateRatio")
        ratio.skip("denominator")
        part.set("dose", _dose(ratio.required_child("numerator")), ratio.where("numerator"))
        return
    part.set("dose", _dose(rate.required_child("doseQuantity")), rate.where("doseQuantity"))
    timing = dosage.child("timing")
    repeat = timing.required_child("repeat") if timing is not None else None
    if repeat is not None:
        repeat.skip("periodUnit")
        part.set("period_days", repeat.integer("period"), repeat.where("period"))
    if schedule is DosingSchedule.CYCLIC_COURSE:
        if repeat is not None:
            repeat.skip("frequency")
        days = dosage.extension_integer(Ext.COURSE_DAYS)
        part.set("course_days", days, dosage.where(ext_path(Ext.COURSE_DAYS)))
        times = dosage.extension_integer(Ext.TIMES_PER_PERIOD)
        part.set("times_per_period", times, dosage.where(ext_path(Ext.TIMES_PER_PERIOD)))
    elif repeat is not None:
        part.set("times_per_period", repeat.integer("frequency"), repeat.where("frequency"))


def read_medication_course(element: Element, patient_fid: str) -> Part:
    part = _start("medication_courses", element, patient_fid)
    part.set("intent", element.coded(TherapyIntent, "category", Local.THERAPY_INTENT), "category")
    drug = element.required_child("medicationCodeableConcept")
    part.set(
        "drug_id", drug.local_value(LOCAL_DRUG_SYSTEM, RXNORM_SYSTEM), "medicationCodeableConcept"
    )
    period = element.required_child("effectivePeriod")
    part.set("start_date", period.date("start", required=True), "effectivePeriod.start")
    part.set("stop_date", period.date("end"), "effectivePeriod.end")
    reasons = element.children("statusReason")
    if len(reasons) > 1:
        raise element.error("statusReason", "expected one stop reason")
    for reason in reasons:
        part.set("stop_reason", reason.code_enum(StopReason, Local.STOP_REASON), "statusReason[0]")
    earlier = element.children("partOf")
    if len(earlier) > 1:
        raise element.error("partOf", "expected one previous course")
    for previous in earlier:
        fid = _target(previous, "MedicationStatement")
        part.fields["previous_course_id"] = part.ref("MedicationStatement", fid, "partOf[0]")
        part.paths["previous_course_id"] = element.where("partOf[0]")
    part.set("weight_kg", element.extension_quantity(Ext.BODY_WEIGHT), ext_path(Ext.BODY_WEIGHT))
    _read_dosage(element.single("dosage"), part)
    return part


def _target(reference: Element, resource_type: str) -> str:
    """The FHIR id a Reference object points to (``<Type>/<id>``)."""
    reference.skip("display")
    value = reference.required_string("reference")
    kind, _, fid = value.partition("/")
    if kind != resource_type or not fid:
        raise reference.error(
            "reference", f"expected a reference {resource_type}/<id>, found {value!r}"
        )
    return fid


def read_administration(element: Element, patient_fid: str) -> Part:
    part = _start("administrations", element, patient_fid)
    element.skip("medicationCodeableConcept")
    courses = list(element.extensions(Ext.MEDICATION_COURSE))
    if len(courses) != 1:
        raise element.error("extension", f"needs one extension {Ext.MEDICATION_COURSE}")
    fid = _target(courses[0].required_child("valueReference"), "MedicationStatement")
    part.fields["course_id"] = part.ref("MedicationStatement", fid, ext_path(Ext.MEDICATION_COURSE))
    part.paths["course_id"] = element.where(ext_path(Ext.MEDICATION_COURSE))
    part.set("given_on", element.date("effectiveDateTime", required=True), "effectiveDateTime")
    part.set("dose", _dose(element.required_child("dosage").required_child("dose")), "dosage.dose")
    part.set(
        "cycle_number", element.extension_integer(Ext.CYCLE_NUMBER), ext_path(Ext.CYCLE_NUMBER)
    )
    part.set(
        "day_of_cycle", element.extension_integer(Ext.DAY_OF_CYCLE), ext_path(Ext.DAY_OF_CYCLE)
    )
    return part


def read_pump(element: Element, patient_fid: str) -> Part:
    part = _start("pumps", element, patient_fid, subject="patient")
    element.skip("type")
    implanted = element.extension_date(Ext.IMPLANTED_ON)
    part.set("implanted_on", implanted, ext_path(Ext.IMPLANTED_ON))
    part.set("removed_on", element.extension_date(Ext.REMOVED_ON), ext_path(Ext.REMOVED_ON))
    for prop in element.children("property"):
        if prop.required_child("type").coding_code(Local.DEVICE_PROPERTY) != "reservoir-volume":
            raise prop.error("type", f"expected reservoir-volume of {Local.DEVICE_PROPERTY}")
        quantity = prop.single("valueQuantity")
        quantity.skip("unit", "system", "code")
        part.set("reservoir_volume_ml", quantity.number("value"), quantity.where("value"))
    names = element.children("deviceName")
    if len(names) > 1:
        raise element.error("deviceName", "expected one device name")
    for name in names:
        name.skip("type")
        part.set("device", name.required_string("name"), "deviceName[0].name")
    return part


def read_pump_refill(element: Element, patient_fid: str) -> Part:
    part = _start("pump_refills", element, patient_fid)
    element.skip("code")
    devices = element.children("focalDevice")
    if len(devices) != 1:
        raise element.error("focalDevice", "expected the one pump the refill belongs to")
    fid = _target(devices[0].required_child("manipulated"), "Device")
    part.parent = part.ref("Device", fid, "focalDevice[0]")
    part.set("refilled_on", element.date("performedDateTime", required=True), "performedDateTime")
    part.set(
        "volume_ml", element.extension_quantity(Ext.REFILL_VOLUME), ext_path(Ext.REFILL_VOLUME)
    )
    part.set(
        "concentration_mcg_per_ml", element.extension_quantity(Ext.DRUG_CONCENTRATION), "extension"
    )
    part.set("daily_dose_mcg", element.extension_quantity(Ext.DAILY_DOSE), ext_path(Ext.DAILY_DOSE))
    part.set("alarm_date", element.extension_date(Ext.ALARM_DATE), ext_path(Ext.ALARM_DATE))
    return part


def read_procedure(element: Element, patient_fid: str) -> Part:
    part = _start("procedures", element, patient_fid)
    part.set("kind", element.coded(ProcedureKind, "code", Local.PROCEDURE_KIND), "code")
    period = element.required_child("performedPeriod")
    part.set("start_date", period.date("start", required=True), "performedPeriod.start")
    part.set("end_date", period.date("end"), "performedPeriod.end")
    part.set("sessions", element.extension_integer(Ext.SESSIONS), ext_path(Ext.SESSIONS))
    read_detail(element, part)
    return part


def read_non_drug_therapy(element: Element, patient_fid: str) -> Part:
    part = _start("non_drug_therapies", element, patient_fid)
    part.set("kind", element.coded(NonDrugTherapyKind, "code", Local.NON_DRUG_THERAPY_KIND), "code")
    period = element.required_child("performedPeriod")
    part.set("start_date", period.date("start", required=True), "performedPeriod.start")
    part.set("stop_date", period.date("end"), "performedPeriod.end")
    sessions = element.extension(Ext.SESSIONS_PER_MONTH, "valueDecimal")
    if sessions is not None and (
        isinstance(sessions, bool) or not isinstance(sessions, int | float)
    ):
        raise element.error(
            ext_path(Ext.SESSIONS_PER_MONTH),
            f"sessions per month must be a number, found {sessions!r}",
        )
    part.set("sessions_per_month", sessions, ext_path(Ext.SESSIONS_PER_MONTH))
    read_detail(element, part)
    return part


def read_adverse_event(element: Element, patient_fid: str) -> Part:
    part = _start("adverse_events", element, patient_fid)
    element.skip("actuality", "severity")
    part.set("term", element.required_child("event").required_string("text"), "event.text")
    part.set("onset_date", element.date("date", required=True), "date")
    part.set(
        "resolved_date", element.extension_date(Ext.RESOLVED_DATE), ext_path(Ext.RESOLVED_DATE)
    )
    part.set("grade", element.extension_integer(Ext.CTCAE_GRADE), ext_path(Ext.CTCAE_GRADE))
    action = element.extension(Ext.ACTION_TAKEN, "valueCode")
    if action is not None:
        part.set(
            "action_taken",
            element.enum(AdverseEventAction, ext_path(Ext.ACTION_TAKEN), action),
            ext_path(Ext.ACTION_TAKEN),
        )
    seriousness = element.required_child("seriousness").coding_code(_AE_SERIOUSNESS)
    if seriousness not in ("serious", "non-serious"):
        raise element.error("seriousness", "expected serious or non-serious")
    part.set("serious", seriousness == "serious", "seriousness")
    outcome = element.required_child("outcome").coding_code(_AE_OUTCOME)
    if outcome not in _OUTCOMES:
        raise element.error("outcome", f"expected one of {', '.join(_OUTCOMES)}")
    part.set("outcome", _OUTCOMES[outcome], "outcome")
    suspects = [
        Ref(
            "MedicationStatement",
            _target(entity.required_child("instance"), "MedicationStatement"),
            element.index,
            entity.path,
        )
        for entity in element.children("suspectEntity")
    ]
    part.fields["suspected_course_ids"] = tuple(suspects)
    part.paths["suspected_course_ids"] = element.where("suspectEntity")
    return part
