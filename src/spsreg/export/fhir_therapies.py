"""FHIR resources of non-drug treatment and safety: intrathecal pumps (Device) and their refills,
procedures and non-drug therapies (Procedure), and adverse events (AdverseEvent).
"""

from __future__ import annotations

from datetime import date

from spsreg.domain.adverse_events import AdverseEvent, AdverseEventOutcome
from spsreg.domain.medications import IntrathecalPump, PumpRefill
from spsreg.domain.patient import Patient
from spsreg.domain.therapies import NonDrugTherapy, Procedure
from spsreg.export.fhir_common import (
    Ext,
    FhirResource,
    Local,
    Profile,
    coded,
    ext,
    fhir_id,
    meta,
    order_ext,
    record_identifier,
    reference,
    ucum_quantity,
)
from spsreg.export.fhir_patient import detail_elements

__all__ = [
    "AE_OUTCOMES",
    "adverse_event_resource",
    "non_drug_therapy_resource",
    "procedure_resource",
    "pump_resource",
    "refill_resource",
]

AE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"

AE_OUTCOMES: dict[AdverseEventOutcome, str] = {
    AdverseEventOutcome.RECOVERED: "resolved",
    AdverseEventOutcome.RECOVERING: "recovering",
    AdverseEventOutcome.NOT_RECOVERED: "ongoing",
    AdverseEventOutcome.RECOVERED_WITH_SEQUELAE: "resolvedWithSequelae",
    AdverseEventOutcome.FATAL: "fatal",
    AdverseEventOutcome.UNKNOWN: "unknown",
}
"""Registry outcome -> FHIR R4 adverse-event-outcome (one to one)."""

_SEVERITY = {1: "mild", 2: "moderate"}
"""CTCAE grade -> R4 severity; grades 3 to 5 are 'severe' (the grade itself is an extension)."""


def pump_resource(pump: IntrathecalPump, patient: Patient, position: int) -> FhirResource:
    """An intrathecal baclofen pump: implant and removal dates, reservoir volume, device name."""
    extensions = [
        order_ext(position),
        ext(Ext.IMPLANTED_ON, "valueDate", pump.implanted_on.isoformat()),
    ]
    if pump.removed_on is not None:
        extensions.append(ext(Ext.REMOVED_ON, "valueDate", pump.removed_on.isoformat()))
    resource: FhirResource = {
        "resourceType": "Device",
        "id": fhir_id(pump.id),
        "meta": meta(Profile.PUMP),
        "extension": extensions,
        "identifier": [record_identifier(pump.id)],
        "status": "inactive" if pump.removed_on is not None else "active",
        "type": coded(Local.DEVICE_KIND, "intrathecal-pump"),
        "patient": reference("Patient", patient.id),
        "property": [
            {
                "type": coded(Local.DEVICE_PROPERTY, "reservoir-volume"),
                "valueQuantity": [ucum_quantity(pump.reservoir_volume_ml, "mL", "mL")],
            }
        ],
    }
    if pump.device is not None:
        resource["deviceName"] = [{"name": pump.device, "type": "user-friendly-name"}]
    return resource


def refill_resource(
    refill: PumpRefill, pump: IntrathecalPump, patient: Patient, position: int
) -> FhirResource:
    """A pump refill and reprogramming: a Procedure on the pump Device (focalDevice)."""
    extensions = [
        order_ext(position),
        ext(Ext.REFILL_VOLUME, "valueQuantity", ucum_quantity(refill.volume_ml, "mL", "mL")),
        ext(
            Ext.DRUG_CONCENTRATION,
            "valueQuantity",
            ucum_quantity(refill.concentration_mcg_per_ml, "mcg/mL", "ug/mL"),
        ),
        ext(
            Ext.DAILY_DOSE, "valueQuantity", ucum_quantity(refill.daily_dose_mcg, "mcg/day", "ug/d")
        ),
    ]
    if refill.alarm_date is not None:
        extensions.append(ext(Ext.ALARM_DATE, "valueDate", refill.alarm_date.isoformat()))
    return {
        "resourceType": "Procedure",
        "id": fhir_id(refill.id),
        "meta": meta(Profile.PUMP_REFILL),
        "extension": extensions,
        "identifier": [record_identifier(refill.id)],
        "status": "completed",
        "code": coded(Local.PUMP_EVENT, "refill"),
        "subject": reference("Patient", patient.id),
        "performedDateTime": refill.refilled_on.isoformat(),
        "focalDevice": [{"manipulated": reference("Device", pump.id)}],
    }


def _period(start: date, end: date | None) -> dict[str, str]:
    period = {"start": start.isoformat()}
    if end is not None:
        period["end"] = end.isoformat()
    return period


def procedure_resource(procedure: Procedure, patient: Patient, position: int) -> FhirResource:
    """A procedure or series (plasmapheresis, HSCT, CAR-T...): local kind code, period, sessions."""
    extensions = [order_ext(position)]
    if procedure.sessions is not None:
        extensions.append(ext(Ext.SESSIONS, "valueInteger", procedure.sessions))
    note, flags = detail_elements(procedure.detail)
    extensions.extend(flags)
    resource: FhirResource = {
        "resourceType": "Procedure",
        "id": fhir_id(procedure.id),
        "meta": meta(Profile.PROCEDURE),
        "extension": extensions,
        "identifier": [record_identifier(procedure.id)],
        "status": "completed",
        "code": coded(Local.PROCEDURE_KIND, procedure.kind.value),
        "subject": reference("Patient", patient.id),
        "performedPeriod": _period(procedure.start_date, procedure.end_date),
    }
    if note is not None:
        resource["note"] = note
    return resource


def non_drug_therapy_resource(
    therapy: NonDrugTherapy, patient: Patient, position: int
) -> FhirResource:
    """A non-drug therapy (physiotherapy...): a Procedure over its period, sessions per month."""
    extensions = [order_ext(position)]
    if therapy.sessions_per_month is not None:
        extensions.append(ext(Ext.SESSIONS_PER_MONTH, "valueDecimal", therapy.sessions_per_month))
    resource: FhirResource = {
        "resourceType": "Procedure",
        "id": fhir_id(therapy.id),
        "meta": meta(Profile.NON_DRUG_THERAPY),
        "extension": extensions,
        "identifier": [record_identifier(therapy.id)],
        "status": "completed" if therapy.stop_date is not None else "in-progress",
        "code": coded(Local.NON_DRUG_THERAPY_KIND, therapy.kind.value),
        "subject": reference("Patient", patient.id),
        "performedPeriod": _period(therapy.start_date, therapy.stop_date),
    }
    if therapy.detail is not None:
        resource["note"] = [{"text": therapy.detail}]
    return resource


def adverse_event_resource(event: AdverseEvent, patient: Patient, position: int) -> FhirResource:
    """An adverse event: term, onset, seriousness, severity, outcome, suspected courses; the
    CTCAE grade, action taken and resolution date as extensions."""
    extensions = [
        order_ext(position),
        ext(Ext.CTCAE_GRADE, "valueInteger", event.grade),
        ext(Ext.ACTION_TAKEN, "valueCode", event.action_taken.value),
    ]
    if event.resolved_date is not None:
        extensions.append(ext(Ext.RESOLVED_DATE, "valueDate", event.resolved_date.isoformat()))
    resource: FhirResource = {
        "resourceType": "AdverseEvent",
        "id": fhir_id(event.id),
        "meta": meta(Profile.ADVERSE_EVENT),
        "extension": extensions,
        "identifier": record_identifier(event.id),
        "actuality": "actual",
        "event": {"text": event.term},
        "subject": reference("Patient", patient.id),
        "date": event.onset_date.isoformat(),
        "seriousness": coded(AE_SERIOUSNESS, "serious" if event.serious else "non-serious"),
        "severity": coded(AE_SEVERITY, _SEVERITY.get(event.grade, "severe")),
        "outcome": coded(AE_OUTCOME, AE_OUTCOMES[event.outcome]),
    }
    if event.suspected_course_ids:
        resource["suspectEntity"] = [
            {"instance": reference("MedicationStatement", course_id)}
            for course_id in event.suspected_course_ids
        ]
    return resource
