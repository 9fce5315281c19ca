"""The exact reverse of spsreg's FHIR export: one patient's resources back to its PatientRecord.

Resources spsreg wrote declare an spsreg profile in ``meta.profile`` and carry every clinical fact
of the record (standard elements, spsreg extensions and local code systems; see docs/fhir.md), so
:func:`record_from_spsreg_resources` rebuilds the :class:`PatientRecord` exactly, identifiers
excepted (never exported). A resource without an spsreg profile, or an element or extension the
profile does not define, is returned in ``unmapped``; malformed content of a known resource
raises :class:`FhirProfileError` naming the resource index, the FHIR path and the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from spsreg.domain.adverse_events import AdverseEvent
from spsreg.domain.assessments import Assessment, Visit
from spsreg.domain.base import DomainModel
from spsreg.domain.conditions import Comorbidity, GeneticMarker
from spsreg.domain.diary import DiaryEntry
from spsreg.domain.labs import LabResult
from spsreg.domain.medications import Administration, IntrathecalPump, MedicationCourse, PumpRefill
from spsreg.domain.patient import Consent, Patient, Site
from spsreg.domain.record import PatientRecord
from spsreg.domain.therapies import NonDrugTherapy, Procedure
from spsreg.export.fhir_common import PATIENT_ID_SYSTEM, PROFILE_BASE, SITE_ID_SYSTEM, Profile
from spsreg.ingest.fhir_profile_element import Element, FhirProfileError, ProfileUnmapped
from spsreg.ingest.fhir_profile_fast import FastReader, read_assessment_fast, read_diary_entry_fast
from spsreg.ingest.fhir_profile_observations import (
    read_assessment,
    read_diary_entry,
    read_genetic_marker,
    read_lab_result,
    read_visit,
    read_weight,
)
from spsreg.ingest.fhir_profile_parts import Part, Ref, build
from spsreg.ingest.fhir_profile_patient import (
    read_comorbidity,
    read_consent,
    read_patient,
    read_sps_condition,
)
from spsreg.ingest.fhir_profile_therapies import (
    read_administration,
    read_adverse_event,
    read_medication_course,
    read_non_drug_therapy,
    read_procedure,
    read_pump,
    read_pump_refill,
)

__all__ = [
    "PATIENT_ID_SYSTEM",
    "FhirProfileError",
    "NativeProfileRecord",
    "ProfileUnmapped",
    "is_spsreg_patient",
    "record_from_spsreg_resources",
    "site_from_organization",
]

Reader = Callable[[Element, str], Part]

_READERS: dict[str, tuple[str, Reader]] = {
    Profile.SPS_CONDITION: ("Condition", read_sps_condition),
    Profile.COMORBIDITY: ("Condition", read_comorbidity),
    Profile.CONSENT: ("Consent", read_consent),
    Profile.LAB_RESULT: ("Observation", read_lab_result),
    Profile.GENETIC_MARKER: ("Observation", read_genetic_marker),
    Profile.VISIT: ("Encounter", read_visit),
    Profile.BODY_WEIGHT: ("Observation", read_weight),
    Profile.ASSESSMENT: ("Observation", read_assessment),
    Profile.DIARY_ENTRY: ("Observation", read_diary_entry),
    Profile.MEDICATION_COURSE: ("MedicationStatement", read_medication_course),
    Profile.ADMINISTRATION: ("MedicationAdministration", read_administration),
    Profile.PUMP: ("Device", read_pump),
    Profile.PUMP_REFILL: ("Procedure", read_pump_refill),
    Profile.PROCEDURE: ("Procedure", read_procedure),
    Profile.NON_DRUG_THERAPY: ("Procedure", read_non_drug_therapy),
    Profile.ADVERSE_EVENT: ("AdverseEvent", read_adverse_event),
}
"""spsreg profile -> the resource type it applies to and the reader of that section."""

_FAST_READERS: dict[str, FastReader] = {
    Profile.ASSESSMENT: read_assessment_fast,
    Profile.DIARY_ENTRY: read_diary_entry_fast,
}
"""Readers of the most common resources in their usual shape (None: use the general reader)."""

_SECTIONS: dict[str, type[DomainModel]] = {
    "consents": Consent,
    "lab_results": LabResult,
    "comorbidities": Comorbidity,
    "genetic_markers": GeneticMarker,
    "medication_courses": MedicationCourse,
    "administrations": Administration,
    "procedures": Procedure,
    "non_drug_therapies": NonDrugTherapy,
    "adverse_events": AdverseEvent,
    "diary_entries": DiaryEntry,
}
"""Record sections read straight from one resource each (visits and pumps nest other parts)."""

_REFERABLE = {"medication_courses": "MedicationStatement", "visits": "Encounter", "pumps": "Device"}


@dataclass(frozen=True)
class NativeProfileRecord:
    """A record read back from spsreg's FHIR export, with what the profile did not define."""

    record: PatientRecord
    unmapped: tuple[ProfileUnmapped, ...]


def _identifiers(resource: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = resource.get("identifier")
    return [item for item in found if isinstance(item, Mapping)] if isinstance(found, list) else []


def is_spsreg_patient(patient: Mapping[str, Any]) -> bool:
    """True for a Patient carrying the registry patient id (identifier system urn:spsreg:patient-id)."""
    return patient.get("resourceType") == "Patient" and any(
        item.get("system") == PATIENT_ID_SYSTEM for item in _identifiers(patient)
    )


def site_from_organization(organization: Mapping[str, Any]) -> Site | None:
    """The registry site of an spsreg site Organization; None for any other Organization.

    An Organization with the site identifier whose name or country is not a valid site raises
    :class:`FhirProfileError` (index 0).
    """
    if organization.get("resourceType") != "Organization":
        return None
    site_ids = [
        i.get("value") for i in _identifiers(organization) if i.get("system") == SITE_ID_SYSTEM
    ]
    if not site_ids:
        return None
    addresses = organization.get("address")
    country = None
    if isinstance(addresses, list) and addresses and isinstance(addresses[0], Mapping):
        country = addresses[0].get("country")
    paths = {"id": "identifier", "name": "name", "country": "address[0].country"}
    try:
        return Site(id=site_ids[0], name=organization.get("name"), country=country)
    except ValidationError as problem:
        first = problem.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "id"
        raise FhirProfileError(0, f"Organization.{paths.get(name, name)}", first["msg"]) from None


def _profile(resource: Mapping[str, Any]) -> str | None:
    meta = resource.get("meta")
    profiles = meta.get("profile") if isinstance(meta, Mapping) else None
    if not isinstance(profiles, list):
        return None
    return next((p for p in profiles if isinstance(p, str) and p.startswith(PROFILE_BASE)), None)


def _may_hold_modifiers(resource: Mapping[str, Any]) -> bool:
    """False only when no object of ``resource`` can have a ``modifierExtension`` key.

    The resource is written back as JSON text (in C, much faster than a walk in Python) and the
    key's name looked for; a resource that cannot be written so is walked by the caller.
    """
    try:
        text = json.dumps(resource)
    except (TypeError, ValueError, RecursionError):
        return True
    return "modifierExtension" in text


def _refuse_modifiers(index: int, value: Any, path: str) -> None:
    """A modifier extension changes the meaning of what it sits on: it cannot be skipped."""
    if isinstance(value, Mapping):
        if "modifierExtension" in value:
            raise FhirProfileError(
                index,
                f"{path}.modifierExtension",
                "modifier extensions are not part of the spsreg profile",
            )
        for key, item in value.items():
            if isinstance(item, Mapping | list):
                _refuse_modifiers(index, item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _refuse_modifiers(index, item, f"{path}[{n}]")


def _why(profile: str | None) -> str:
    if profile is None:
        return "no spsreg profile: written by another system"
    if profile == Profile.ORGANIZATION:
        return "a registry site: read with site_from_organization"
    return f"unknown spsreg profile {profile}"


def _patient_index(resources: Sequence[Mapping[str, Any]]) -> int:
    found = [n for n, r in enumerate(resources) if isinstance(r, Mapping) and is_spsreg_patient(r)]
    if len(found) != 1:
        raise FhirProfileError(0, "Patient", f"expected one spsreg Patient, found {len(found)}")
    return found[0]


def _read_parts(
    resources: Sequence[Mapping[str, Any]], patient_index: int
) -> tuple[list[Part], list[ProfileUnmapped]]:
    patient_fid = str(resources[patient_index].get("id", ""))
    parts: list[Part] = []
    unmapped: list[ProfileUnmapped] = []
    for index, resource in enumerate(resources):
        if not isinstance(resource, Mapping):
            raise FhirProfileError(index, "", "expected a JSON object")
        kind = str(resource.get("resourceType", "Resource"))
        profile = _profile(resource)
        known = _READERS.get(profile) if profile is not None else None
        if index != patient_index and known is None:
            item = f"{kind}/{resource.get('id', '')}"
            unmapped.append(ProfileUnmapped(index, kind, item, f"not read ({_why(profile)})"))
            continue
        if _may_hold_modifiers(resource):
            _refuse_modifiers(index, resource, kind)
        fast = None
        if profile is not None and known is not None and kind == known[0]:
            fast = _FAST_READERS.get(profile)
        part = None if fast is None else fast(index, resource, patient_fid)
        if part is not None:
            parts.append(part)
            continue
        element = Element.resource(index, resource)
        if known is None:
            parts.append(read_patient(element))
        else:
            expected, reader = known
            if kind != expected:
                raise element.error("meta.profile", f"{profile} applies to {expected}, not {kind}")
            parts.append(reader(element, patient_fid))
        unmapped.extend(element.tracker.unmapped())
    return parts, unmapped


def _resolve(parts: list[Part]) -> None:
    """Replace references to courses, visits and pumps by their registry record ids."""
    targets: dict[tuple[str, str], str] = {}
    for part in parts:
        kind = _REFERABLE.get(part.section)
        if kind is not None:
            if (kind, part.fid) in targets:
                raise part.element.error("id", f"{kind}/{part.fid} is given twice")
            targets[(kind, part.fid)] = part.fields["id"]

    def record_id(ref: Ref) -> str:
        found = targets.get((ref.resource_type, ref.fid))
        if found is None:
            raise FhirProfileError(
                ref.index,
                ref.path,
                f"refers to {ref.resource_type}/{ref.fid}, which is not among the patient's resources",
            )
        return found

    for part in parts:
        for name, value in part.fields.items():
            if isinstance(value, Ref):
                part.fields[name] = record_id(value)
            elif isinstance(value, tuple) and value and isinstance(value[0], Ref):
                part.fields[name] = tuple(record_id(ref) for ref in value)
        if part.parent is not None:
            record_id(part.parent)


def _ordered(parts: list[Part]) -> list[Part]:
    return sorted(parts, key=lambda part: (part.order, part.element.index))


def record_from_spsreg_resources(resources: Sequence[Mapping[str, Any]]) -> NativeProfileRecord:
    """Rebuild the PatientRecord (identifiers None) from a Patient and the resources referring to it."""
    patient_index = _patient_index(resources)
    parts, unmapped = _read_parts(resources, patient_index)
    _resolve(parts)
    by_section: dict[str, list[Part]] = {}
    for part in parts:
        by_section.setdefault(part.section, []).append(part)
    patient_part = by_section["patient"][0]
    conditions = by_section.get("sps_condition", [])
    if len(conditions) != 1:
        raise FhirProfileError(
            patient_index,
            "Condition",
            f"expected one SPS Condition ({Profile.SPS_CONDITION}), found {len(conditions)}",
        )
    condition = conditions[0]
    patient_part.fields |= condition.fields
    patient_part.paths |= condition.paths
    try:
        patient = build(Patient, patient_part)
    except FhirProfileError as problem:
        if problem.path.startswith("Condition"):
            raise FhirProfileError(condition.element.index, problem.path, problem.reason) from None
        raise
    sections: dict[str, Any] = {
        name: tuple(build(model, part) for part in _ordered(by_section.get(name, [])))
        for name, model in _SECTIONS.items()
    }
    children: dict[tuple[str, str], list[Part]] = {}
    for name in ("assessments", "weights", "pump_refills"):
        for part in _ordered(by_section.get(name, [])):
            assert part.parent is not None
            children.setdefault((name, part.parent.fid), []).append(part)
    visits = []
    for part in _ordered(by_section.get("visits", [])):
        weights = children.get(("weights", part.fid), [])
        if len(weights) > 1:
            raise weights[1].element.error(None, f"a second body weight for Encounter/{part.fid}")
        extra = {
            "assessments": tuple(
                build(Assessment, child) for child in children.get(("assessments", part.fid), [])
            ),
            "weight_kg": weights[0].fields["weight_kg"] if weights else None,
        }
        visits.append(build(Visit, part, extra))
    pumps = [
        build(
            IntrathecalPump,
            part,
            {
                "refills": tuple(
                    build(PumpRefill, child)
                    for child in children.get(("pump_refills", part.fid), [])
                )
            },
        )
        for part in _ordered(by_section.get("pumps", []))
    ]
    try:
        record = PatientRecord(
            patient=patient, visits=tuple(visits), pumps=tuple(pumps), **sections
        )
    except ValidationError as problem:
        raise FhirProfileError(patient_index, "Patient", problem.errors()[0]["msg"]) from None
    return NativeProfileRecord(record=record, unmapped=tuple(unmapped))
